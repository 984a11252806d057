using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Tests.TestSupport;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.Identity;

public sealed class VerificationKeyTests
{
    private static readonly byte[] Data = "header.payload"u8.ToArray();

    private static bool Verifies(VerificationKey key, AsymmetricAlgorithm signer, string alg)
    {
        var algorithm = JwsAlgorithms.Parse(alg);
        Span<byte> hash = stackalloc byte[64];
        var length = JwsAlgorithms.HashData(algorithm, Data, hash);
        return key.Verify(algorithm, hash[..length], JwsTokens.SignBytes(Data, signer, alg));
    }

    [Fact]
    public void TryCreate_RsaSecurityKeyWithParametersOnly_Verifies()
    {
        var key = VerificationKey.TryCreate(new RsaSecurityKey(TestKeys.Rsa.ExportParameters(false)) { KeyId = "p" });

        Assert.NotNull(key);
        Assert.True(Verifies(key, TestKeys.Rsa, "RS256"));
        Assert.Equal("p"u8.ToArray(), key.Kid);
    }

    [Fact]
    public void TryCreate_RsaJsonWebKey_Verifies()
    {
        var key = VerificationKey.TryCreate(new JsonWebKey(TestKeys.Jwk(TestKeys.Rsa, "j")));

        Assert.NotNull(key);
        Assert.True(Verifies(key, TestKeys.Rsa, "PS384"));
        Assert.False(Verifies(key, TestKeys.OtherRsa, "PS384"));
    }

    [Theory]
    [InlineData("P-256", "ES256")]
    [InlineData("P-384", "ES384")]
    [InlineData("P-521", "ES512")]
    public void TryCreate_EcJsonWebKey_VerifiesItsCurve(string curve, string alg)
    {
        var signer = curve switch { "P-256" => TestKeys.Ec, "P-384" => JwsTokens.P384, _ => JwsTokens.P521 };
        var p = signer.ExportParameters(false);
        var jwk = new JsonWebKey { Kty = "EC", Crv = curve, X = Base64UrlEncoder.Encode(p.Q.X), Y = Base64UrlEncoder.Encode(p.Q.Y) };

        var key = VerificationKey.TryCreate(jwk);

        Assert.NotNull(key);
        Assert.True(Verifies(key, signer, alg));
    }

    [Fact]
    public void TryCreate_EncryptionJsonWebKey_Null()
    {
        var jwk = new JsonWebKey(TestKeys.Jwk(TestKeys.Rsa, "enc").Replace("\"sig\"", "\"enc\"", StringComparison.Ordinal));

        Assert.Null(VerificationKey.TryCreate(jwk));
    }

    [Fact]
    public void TryCreate_X509SecurityKey_Verifies()
    {
        var request = new CertificateRequest("CN=idp", TestKeys.Rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));

        var key = VerificationKey.TryCreate(new X509SecurityKey(publicOnly));

        Assert.NotNull(key);
        Assert.True(Verifies(key, TestKeys.Rsa, "RS512"));
    }

    [Fact]
    public void TryCreate_Rsa1024_Null()
    {
        using var weak = RSA.Create(1024);

        Assert.Null(VerificationKey.TryCreate(new RsaSecurityKey(weak)));
    }

    [Fact]
    public void TryCreate_SymmetricKey_Null()
        => Assert.Null(VerificationKey.TryCreate(new SymmetricSecurityKey(new byte[32])));

    [Theory]
    [InlineData("RS256", true)]
    [InlineData("PS512", true)]
    [InlineData("ES256", false)]
    public void Supports_RsaKey_RsaFamilyOnly(string alg, bool expected)
        => Assert.Equal(expected, VerificationKey.TryCreate(new RsaSecurityKey(TestKeys.Rsa))!.Supports(JwsAlgorithms.Parse(alg)));

    [Theory]
    [InlineData("ES256", true)]
    [InlineData("ES384", false)]
    [InlineData("ES512", false)]
    [InlineData("RS256", false)]
    [InlineData("PS256", false)]
    public void Supports_P256Key_Es256Only(string alg, bool expected)
        => Assert.Equal(expected, VerificationKey.TryCreate(new ECDsaSecurityKey(TestKeys.Ec))!.Supports(JwsAlgorithms.Parse(alg)));

    [Fact]
    public void Verify_EmptySignature_False()
    {
        var key = VerificationKey.TryCreate(new RsaSecurityKey(TestKeys.Rsa))!;

        Assert.False(key.Verify(JwsAlgorithm.RS256, new byte[32], []));
    }
}
