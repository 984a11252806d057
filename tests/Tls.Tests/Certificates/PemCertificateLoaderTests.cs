using System.Net.Security;
using FastProxy.Tls.Certificates;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Tls.Tests.Certificates;

public sealed class PemCertificateLoaderTests(PkiFixture pki) : IClassFixture<PkiFixture>, IDisposable
{
    private const string EcParametersP256 = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(KeyKind.EcdsaP256, KeyFormat.Pkcs8)]
    [InlineData(KeyKind.EcdsaP256, KeyFormat.Traditional)]
    [InlineData(KeyKind.Rsa2048, KeyFormat.Pkcs8)]
    [InlineData(KeyKind.Rsa2048, KeyFormat.Traditional)]
    public void LoadChain_EachKeyFormat_LeafCarriesKeyAndIntermediatesFollow(KeyKind kind, KeyFormat format)
    {
        var (certPath, keyPath, leaf) = WriteLeaf(kind, format);

        var chain = PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System);

        Assert.True(chain.Leaf.HasPrivateKey);
        Assert.Equal(leaf.Thumbprint, chain.Leaf.Thumbprint);
        Assert.Equal(pki.Intermediate.Thumbprint, Assert.Single(chain.Intermediates).Thumbprint);
    }

    [Fact]
    public void LoadChain_EcKeyAfterEcParametersBlock_Loads()
    {
        using var leaf = Leaf(KeyKind.EcdsaP256);
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf));
        var keyPath = _dir.Write("leaf.key", EcParametersP256 + TestPki.KeyPem(leaf, KeyFormat.Traditional));

        var chain = PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System);

        Assert.True(chain.Leaf.HasPrivateKey);
        Assert.Empty(chain.Intermediates);
    }

    [Theory]
    [InlineData(KeyKind.EcdsaP256, KeyFormat.Pkcs8)]
    [InlineData(KeyKind.Rsa2048, KeyFormat.Traditional)]
    public async Task LoadChain_KeyAsLoaded_UsableBySslStreamWithoutReexport(KeyKind kind, KeyFormat format)
    {
        // On Linux an ephemeral key attached with CopyWithPrivateKey works as is: no PKCS#12 round trip.
        var (certPath, keyPath, _) = WriteLeaf(kind, format);
        var chain = PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System);
        var serverOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(chain.Leaf, chain.Intermediates, offline: true),
        };

        await using var result = await TlsLoopback.HandshakeAsync(
            (s, token) => s.AuthenticateAsServerAsync(serverOptions, token),
            TlsLoopback.ClientTrusting(pki.Root, "api.example.com"));

        Assert.True(result.Succeeded, $"{result.ServerError}{result.ClientError}{result.ExchangeError}");
        Assert.Equal(chain.Leaf.Thumbprint, result.Client.RemoteCertificate!.GetCertHashString());
    }

    [Fact]
    public void LoadChain_EncryptedPkcs8Key_RefusedAsEncrypted()
    {
        var (certPath, keyPath, _) = WriteLeaf(KeyKind.EcdsaP256, KeyFormat.EncryptedPkcs8);

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.Equal($"key file '{keyPath}': the private key is encrypted (PKCS#8 'ENCRYPTED PRIVATE KEY'); provide it unencrypted (protect it with file permissions)", ex.Message);
    }

    [Fact]
    public void LoadChain_TraditionalEncryptedKey_RefusedAsEncrypted()
    {
        using var leaf = Leaf(KeyKind.Rsa2048);
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf));
        var keyPath = _dir.Write("leaf.key",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n");

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.Equal($"key file '{keyPath}': the private key is encrypted; provide it unencrypted (protect it with file permissions)", ex.Message);
    }

    [Fact]
    public void LoadChain_MissingCertificateFile_NamesTheFile()
    {
        var certPath = _dir.PathOf("nope.pem");

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, _dir.PathOf("nope.key"), TimeProvider.System));

        Assert.Equal($"certificate file '{certPath}': file not found", ex.Message);
    }

    [Fact]
    public void LoadChain_MissingKeyFile_NamesTheFile()
    {
        var (certPath, _, _) = WriteLeaf(KeyKind.EcdsaP256, KeyFormat.Pkcs8);
        var keyPath = _dir.PathOf("missing/leaf.key");

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.Equal($"key file '{keyPath}': file not found", ex.Message);
    }

    [Fact]
    public void LoadChain_CertificateFileWithoutCertificate_SaysSo()
    {
        using var leaf = Leaf(KeyKind.EcdsaP256);
        var certPath = _dir.Write("leaf.pem", TestPki.KeyPem(leaf));
        var keyPath = _dir.Write("leaf.key", TestPki.KeyPem(leaf));

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.Equal($"certificate file '{certPath}': no certificate found (expected a '-----BEGIN CERTIFICATE-----' block)", ex.Message);
    }

    [Fact]
    public void LoadChain_KeyFileWithoutKey_SaysSo()
    {
        using var leaf = Leaf(KeyKind.EcdsaP256);
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf));
        var keyPath = _dir.Write("leaf.key", TestPki.ChainPem(leaf));

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.Equal($"key file '{keyPath}': no private key found (expected 'PRIVATE KEY', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY')", ex.Message);
    }

    [Theory]
    [InlineData(KeyKind.EcdsaP256, KeyKind.EcdsaP256, "the EC key does not belong to the certificate")]
    [InlineData(KeyKind.Rsa2048, KeyKind.Rsa2048, "the RSA key does not belong to the certificate")]
    public void LoadChain_KeyOfAnotherCertificate_SaysMismatch(KeyKind certificateKind, KeyKind keyKind, string what)
    {
        using var leaf = Leaf(certificateKind);
        using var other = Leaf(keyKind);
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf));
        var keyPath = _dir.Write("other.key", TestPki.KeyPem(other));

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.True(ex.IsKeyMismatch);
        Assert.Equal($"key file '{keyPath}' does not match certificate file '{certPath}': {what} (certificate '{leaf.Subject}')", ex.Message);
    }

    [Fact]
    public void LoadChain_EcKeyForRsaCertificate_SaysWhichKindEach()
    {
        using var leaf = Leaf(KeyKind.Rsa2048);
        using var other = Leaf(KeyKind.EcdsaP256);
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf));
        var keyPath = _dir.Write("other.key", TestPki.KeyPem(other, KeyFormat.Traditional));

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.True(ex.IsKeyMismatch);
        Assert.Contains("the key is an EC key but the certificate has an RSA public key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadChain_Pkcs8EcKeyForRsaCertificate_SaysNotAnRsaKey()
    {
        using var leaf = Leaf(KeyKind.Rsa2048);
        using var other = Leaf(KeyKind.EcdsaP256);
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf));
        var keyPath = _dir.Write("other.key", TestPki.KeyPem(other, KeyFormat.Pkcs8));

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.StartsWith($"key file '{keyPath}': the 'PRIVATE KEY' block is not an RSA private key, but the certificate in '{certPath}' has an RSA public key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadChain_ExpiredLeaf_RefusedWithDate()
    {
        var (certPath, keyPath, leaf) = WriteLeaf(KeyKind.EcdsaP256, KeyFormat.Pkcs8);
        var later = new FakeTimeProvider(new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).AddDays(1));

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, later));

        Assert.StartsWith($"certificate file '{certPath}': certificate '{leaf.Subject}' expired at ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadChain_NotYetValidLeaf_Refused()
    {
        using var leaf = TestPki.CreateLeaf(pki.Intermediate, "future", new LeafSpec { DnsNames = ["api.example.com"], NotBefore = TimeSpan.FromDays(2), NotAfter = TimeSpan.FromDays(30) });
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf, pki.Intermediate));
        var keyPath = _dir.Write("leaf.key", TestPki.KeyPem(leaf));

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadChain(certPath, keyPath, TimeProvider.System));

        Assert.StartsWith($"certificate file '{certPath}': certificate '{leaf.Subject}' is not valid before ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadChainIgnoringValidity_ExpiredLeaf_Loads()
    {
        using var leaf = TestPki.CreateLeaf(pki.Intermediate, "expired", new LeafSpec { NotBefore = TimeSpan.FromDays(-30), NotAfter = TimeSpan.FromDays(-1) });
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf));
        var keyPath = _dir.Write("leaf.key", TestPki.KeyPem(leaf));

        var chain = PemCertificateLoader.LoadChainIgnoringValidity(certPath, keyPath);

        Assert.True(chain.Leaf.HasPrivateKey);
    }

    [Fact]
    public void LoadCertificates_Bundle_AllInFileOrder()
    {
        var path = _dir.Write("ca.pem", TestPki.ChainPem(pki.Root, pki.OtherRoot));

        var bundle = PemCertificateLoader.LoadCertificates(path);

        Assert.Equal(2, bundle.Count);
        Assert.Equal(pki.Root.Thumbprint, bundle[0].Thumbprint);
        Assert.Equal(pki.OtherRoot.Thumbprint, bundle[1].Thumbprint);
    }

    [Fact]
    public void LoadCertificates_CorruptBlock_NamesTheBlock()
    {
        var path = _dir.Write("ca.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

        var ex = Assert.Throws<CertificateLoadException>(() => PemCertificateLoader.LoadCertificates(path));

        Assert.StartsWith($"CA file '{path}': certificate #1 cannot be parsed", ex.Message, StringComparison.Ordinal);
    }

    private System.Security.Cryptography.X509Certificates.X509Certificate2 Leaf(KeyKind kind) =>
        TestPki.CreateLeaf(pki.Intermediate, "api.example.com", new LeafSpec { DnsNames = ["api.example.com"], Key = kind });

    private (string CertPath, string KeyPath, System.Security.Cryptography.X509Certificates.X509Certificate2 Leaf) WriteLeaf(KeyKind kind, KeyFormat format)
    {
        var leaf = Leaf(kind);
        var certPath = _dir.Write("leaf.pem", TestPki.ChainPem(leaf, pki.Intermediate));
        var keyPath = _dir.Write("leaf.key", TestPki.KeyPem(leaf, format));
        return (certPath, keyPath, leaf);
    }
}
