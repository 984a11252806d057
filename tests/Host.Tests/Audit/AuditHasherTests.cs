using System.Security.Cryptography;
using FastProxy.Host.Audit;

namespace FastProxy.Host.Tests.Audit;

public class AuditHasherTests
{
    [Fact]
    public void Hash_OnLinux_UsesOpenSslLowLevelPath()
    {
        using var hasher = new AuditHasher();

        // libcrypto.so.3 is what .NET itself uses on these machines; a silent fallback would hide a 2x slower writer.
        Assert.Equal(OperatingSystem.IsLinux(), hasher.IsNative);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Hash_RandomSplits_SameAsSha256OfConcatenation(bool preferNative)
    {
        using var hasher = new AuditHasher(preferNative);
        var random = new Random(77);
        var actual = new byte[32];
        for (var round = 0; round < 2000; round++)
        {
            var data = new byte[random.Next(0, 3000)];
            random.NextBytes(data);
            var split = random.Next(0, data.Length + 1);

            hasher.Hash(data.AsSpan(0, split), data.AsSpan(split), actual);

            Assert.Equal(SHA256.HashData(data), actual);
        }
    }

    [Fact]
    public void Hash_ManagedPath_NotNative()
    {
        using var hasher = new AuditHasher(preferNative: false);

        Assert.False(hasher.IsNative);
    }
}
