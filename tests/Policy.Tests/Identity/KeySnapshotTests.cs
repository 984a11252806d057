using FastProxy.Policy.Identity;
using FastProxy.Policy.Tests.TestSupport;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.Identity;

public sealed class KeySnapshotTests
{
    private static readonly SecurityKey K1 = new RsaSecurityKey(TestKeys.Rsa) { KeyId = "k1" };
    private static readonly SecurityKey K1Ec = new ECDsaSecurityKey(TestKeys.Ec) { KeyId = "k1" };
    private static readonly SecurityKey K2 = new RsaSecurityKey(TestKeys.OtherRsa) { KeyId = "k2" };
    private static readonly SecurityKey NoKid = new ECDsaSecurityKey(JwsTokens.P384);

    private static KeySnapshot Snapshot(params SecurityKey[] keys) => new(keys, 1, "f");

    [Fact]
    public void Resolve_NoKid_EveryKey()
        => Assert.Equal(4, Snapshot(K1, K1Ec, K2, NoKid).Resolve(default).Length);

    [Fact]
    public void Resolve_Kid_KeysCarryingIt()
    {
        var keys = Snapshot(K1, K1Ec, K2, NoKid).Resolve("k1"u8);

        Assert.Equal(2, keys.Length);
        Assert.True(keys[0].IsRsa);
        Assert.False(keys[1].IsRsa);
    }

    [Fact]
    public void Resolve_UnknownKid_KeysWithoutKid()
    {
        var keys = Snapshot(K1, NoKid).Resolve("zz"u8);

        Assert.Single(keys);
        Assert.Equal(384, keys[0].KeySizeBits);
    }

    [Theory]
    [InlineData("k1", true)]
    [InlineData("k2", true)]
    [InlineData("zz", false)]
    [InlineData("", true)]
    public void Knows_Utf8Kid_SameAsStringKid(string kid, bool expected)
    {
        var snapshot = Snapshot(K1, K2);

        Assert.Equal(expected, snapshot.Knows(System.Text.Encoding.UTF8.GetBytes(kid)));
        Assert.Equal(expected, snapshot.Knows(kid));
    }

    [Fact]
    public void Knows_UnknownKidWithKeyWithoutKid_True()
        => Assert.True(Snapshot(K1, NoKid).Knows("zz"u8));

    [Fact]
    public void Resolve_KidOfUnusableKey_KnownButNoVerificationKey()
    {
        var snapshot = Snapshot(new SymmetricSecurityKey(new byte[32]) { KeyId = "s" }, K1);

        Assert.True(snapshot.Knows("s"u8));
        Assert.Empty(snapshot.Resolve("s"u8));
    }

    [Fact]
    public void Knows_EmptySnapshot_False()
        => Assert.False(Snapshot().Knows(default(ReadOnlySpan<byte>)));
}
