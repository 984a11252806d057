using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Identity;

namespace FastProxy.Tls.Tests.Identity;

public sealed class ClientCertificateIdentityTests(PkiFixture pki) : IClassFixture<PkiFixture>
{
    [Fact]
    public void FromCertificate_UriAndDnsSans_InCertificateOrder()
    {
        using var certificate = TestPki.CreateLeaf(pki.Root, "orders", new LeafSpec
        {
            Uris = ["spiffe://corp/ns/ops/sa/orders", "urn:example:orders"],
            DnsNames = ["orders.internal", "orders.example.com"],
        });

        var identity = ClientCertificateIdentity.FromCertificate(certificate);

        Assert.Equal(["spiffe://corp/ns/ops/sa/orders", "urn:example:orders"], identity.UriSans);
        Assert.Equal(["orders.internal", "orders.example.com"], identity.DnsSans);
    }

    [Fact]
    public void FromCertificate_OtherSanKinds_Ignored()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mixed", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress("ops@example.com");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddUri(new Uri("spiffe://corp/ns/ops/sa/mixed"));
        san.AddUserPrincipalName("ops@corp");
        san.AddDnsName("mixed.internal");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var identity = ClientCertificateIdentity.FromCertificate(certificate);

        Assert.Equal(["spiffe://corp/ns/ops/sa/mixed"], identity.UriSans);
        Assert.Equal(["mixed.internal"], identity.DnsSans);
    }

    [Fact]
    public void FromCertificate_NoSanExtension_EmptyLists()
    {
        using var certificate = TestPki.CreateLeaf(pki.Root, "bare", new LeafSpec { WithoutSan = true });

        var identity = ClientCertificateIdentity.FromCertificate(certificate);

        Assert.Empty(identity.UriSans);
        Assert.Empty(identity.DnsSans);
    }

    [Fact]
    public void FromCertificate_SubjectAndFingerprint_AsDotNetAndSha256GiveThem()
    {
        using var certificate = TestPki.CreateLeaf(pki.Root, "orders", new LeafSpec());

        var identity = ClientCertificateIdentity.FromCertificate(certificate);

        Assert.Equal("CN=orders, O=FastProxy Tests", identity.Subject);
        Assert.Equal(certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant(), identity.Sha256Fingerprint);
        Assert.Matches("^[0-9a-f]{64}$", identity.Sha256Fingerprint);
    }
}
