using System.Security.Cryptography;
using FastProxy.Core.Crypto;

namespace FastProxy.Core.Tests.Crypto;

public sealed class NativeSha256Tests
{
    [Fact]
    public void IsAvailable_OnLinuxWithOpenSsl3_True()
    {
        // The CI machines are Debian with libcrypto.so.3: the fast path must really be the one in use there.
        Assert.Equal(OperatingSystem.IsLinux() && File.Exists("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"), NativeSha256.IsAvailable);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(64)]
    [InlineData(833)]
    [InlineData(100_000)]
    public void Hash_AnyLength_SameAsDotNet(int length)
    {
        Assert.True(NativeSha256.IsAvailable, "the known-answer check passed");
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var hash = new byte[NativeSha256.HashBytes];

        NativeSha256.Hash(data, hash);

        Assert.Equal(SHA256.HashData(data), hash);
    }

    [Fact]
    public void Hash_TwoParts_HashOfTheConcatenation()
    {
        Assert.True(NativeSha256.IsAvailable, "the known-answer check passed");
        var data = new byte[300];
        new Random(3).NextBytes(data);
        var hash = new byte[NativeSha256.HashBytes];

        for (var split = 0; split <= data.Length; split += 50)
        {
            NativeSha256.Hash(data.AsSpan(0, split), data.AsSpan(split), hash);
            Assert.Equal(SHA256.HashData(data), hash);
        }
    }

    [Fact]
    public void Hash_DestinationTooShort_Throws()
    {
        Assert.True(NativeSha256.IsAvailable, "the known-answer check passed");
        Assert.Throws<CryptographicException>(() => NativeSha256.Hash([1, 2, 3], new byte[31]));
    }
}
