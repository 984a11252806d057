using System.Security.Cryptography;
using System.Text;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Tests.TestSupport;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.Identity;

/// <summary>
/// Issue 10 item 4: what a JWK says about itself is honoured (RFC 7517 §4.2-4.4): `use` must be
/// `sig`, `key_ops` must include `verify`, and a key with an `alg` verifies that algorithm only.
/// A key that is not a candidate for the token's alg leaves it 401 (invalid_signature or unknown_key).
/// </summary>
public sealed class JwkDeclaredUseTests
{
    private static string RsaJwk(string kid, string members) => TestKeys.Jwk(TestKeys.Rsa, kid).Replace("{", "{" + members, StringComparison.Ordinal);

    private static string EcJwk(ECDsa key, string crv, string kid, string members)
    {
        var p = key.ExportParameters(false);
        return "{" + members + "\"kty\":\"EC\",\"kid\":\"" + kid + "\",\"crv\":\"" + crv + "\",\"x\":\"" + Base64UrlEncoder.Encode(p.Q.X) + "\",\"y\":\"" + Base64UrlEncoder.Encode(p.Q.Y) + "\"}";
    }

    private static JwsValidator FromJson(string json) => JwsValidators.Create([.. KeyLoader.Parse(json)]);

    private static List<SecurityKey> Jwks(params string[] jwks) => KeyLoader.ParseJson(Encoding.UTF8.GetBytes(TestKeys.Jwks(jwks)), allowSingleKey: false);

    [Theory]
    [InlineData("PS256")]
    [InlineData("RS384")]
    [InlineData("RS512")]
    public void Validate_JwkDeclaringRs256_OtherAlgorithmSignedBySameKey_InvalidSignature(string alg)
        => Assert.Equal(AuthFailure.InvalidSignature, FromJson(RsaJwk("k1", "\"alg\":\"RS256\",")).Check(JwsTokens.Token(TestKeys.Rsa, alg, "k1")));

    [Fact]
    public void Validate_JwkDeclaringRs256_Rs256Token_Valid()
        => Assert.Equal(AuthFailure.None, FromJson(RsaJwk("k1", "\"alg\":\"RS256\",")).Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k1")));

    [Fact]
    public void Validate_JwkDeclaringPs256_Rs256TokenWithoutKid_InvalidSignature()
        => Assert.Equal(AuthFailure.InvalidSignature, FromJson(RsaJwk("k1", "\"alg\":\"PS256\",")).Check(JwsTokens.Token(TestKeys.Rsa, "RS256")));

    [Fact]
    public void Validate_JwkWithoutAlg_AnyAlgorithmOfItsFamily_Valid()
    {
        var validator = FromJson(RsaJwk("k1", ""));

        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k1")));
        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.Rsa, "PS512", "k1")));
    }

    [Fact]
    public void Validate_EcJwkDeclaringEs256_Es256Valid()
        => Assert.Equal(AuthFailure.None, FromJson(EcJwk(TestKeys.Ec, "P-256", "e1", "\"alg\":\"ES256\",")).Check(JwsTokens.Token(TestKeys.Ec, "ES256", "e1")));

    [Fact]
    public void Validate_SameKidTwoDeclaredAlgorithms_EachTokenFindsItsKey()
    {
        var validator = JwsValidators.Create([.. Jwks(RsaJwk("k1", "\"alg\":\"RS256\","), TestKeys.Jwk(TestKeys.OtherRsa, "k1").Replace("{", "{\"alg\":\"PS256\",", StringComparison.Ordinal))]);

        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k1")));
        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.OtherRsa, "PS256", "k1")));
        Assert.Equal(AuthFailure.InvalidSignature, validator.Check(JwsTokens.Token(TestKeys.Rsa, "PS256", "k1")));
        Assert.Equal(AuthFailure.InvalidSignature, validator.Check(JwsTokens.Token(TestKeys.OtherRsa, "RS256", "k1")));
    }

    [Theory]
    [InlineData("[\"verify\"]")]
    [InlineData("[\"sign\",\"verify\"]")]
    public void Validate_KeyOpsIncludingVerify_Valid(string keyOps)
        => Assert.Equal(AuthFailure.None, FromJson(RsaJwk("k1", "\"key_ops\":" + keyOps + ",")).Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k1")));

    [Theory]
    [InlineData("[\"encrypt\"]")]
    [InlineData("[\"sign\"]")]
    [InlineData("[]")]
    public void Validate_JwksKeyWithKeyOpsWithoutVerify_KeyNotUsed(string keyOps)
    {
        var validator = JwsValidators.Create([.. Jwks(RsaJwk("k1", "\"key_ops\":" + keyOps + ","), TestKeys.Jwk(TestKeys.OtherRsa, "k2"))]);

        Assert.Equal(AuthFailure.UnknownKey, validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k1")));
    }

    [Theory]
    [InlineData("\"key_ops\":[\"encrypt\"],")]
    [InlineData("\"key_ops\":\"verify\",")]
    [InlineData("\"alg\":\"HS256\",")]
    [InlineData("\"alg\":\"RSA-OAEP\",")]
    [InlineData("\"alg\":\"ES256\",")]
    [InlineData("\"use\":\"enc\",")]
    public void Parse_SingleJwkNotUsableForVerification_KeyLoadException(string members)
        => Assert.Throws<KeyLoadException>(() => KeyLoader.Parse(RsaJwk("k1", members).Replace("\"use\":\"sig\",", "", StringComparison.Ordinal)));

    [Theory]
    [InlineData("\"alg\":\"HS256\",")]
    [InlineData("\"alg\":\"ES384\",")]
    [InlineData("\"key_ops\":[\"encrypt\"],")]
    public void ParseJson_JwksEntryNotUsableForVerification_Skipped(string members)
    {
        var keys = Jwks(EcJwk(TestKeys.Ec, "P-256", "e1", members), TestKeys.Jwk(TestKeys.Rsa, "k1"));

        Assert.Equal("k1", Assert.Single(keys).KeyId);
    }

    [Fact]
    public void TryCreate_JsonWebKeyDeclaringRs256_SupportsOnlyRs256()
    {
        var key = VerificationKey.TryCreate(new JsonWebKey(RsaJwk("k1", "\"alg\":\"RS256\",")))!;

        Assert.True(key.Supports(JwsAlgorithm.RS256));
        Assert.False(key.Supports(JwsAlgorithm.PS256));
        Assert.False(key.Supports(JwsAlgorithm.RS512));
    }

    [Fact]
    public void TryCreate_JsonWebKeyWithKeyOpsWithoutVerify_Null()
        => Assert.Null(VerificationKey.TryCreate(new JsonWebKey(RsaJwk("k1", "\"key_ops\":[\"encrypt\"],"))));

    [Fact]
    public void Fingerprint_SameKeyDifferentAlg_Differs()
        => Assert.NotEqual(KeyLoader.Fingerprint(KeyLoader.Parse(RsaJwk("k1", "\"alg\":\"RS256\","))), KeyLoader.Fingerprint(KeyLoader.Parse(RsaJwk("k1", "\"alg\":\"PS256\","))));

    [Fact]
    public void ParseJson_LoneSurrogateEscape_KeyLoadException()
        => Assert.Throws<KeyLoadException>(() => KeyLoader.Parse(RsaJwk("\\udc00", "")));
}
