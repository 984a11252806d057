using FastProxy.Tls.Identity;

namespace FastProxy.Tls.Tests.Identity;

public sealed class ForwardedClientCertTests(PkiFixture pki) : IClassFixture<PkiFixture>
{
    private const string Hash = "468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688";

    [Fact]
    public void Format_OneUriSan_HashSubjectUri()
    {
        var identity = new ClientCertificateIdentity("CN=Test Client, OU=Lyft, L=San Francisco, S=CA, C=US", ["http://testclient.lyft.com"], [], Hash);

        Assert.Equal(
            $"Hash={Hash};Subject=\"CN=Test Client, OU=Lyft, L=San Francisco, S=CA, C=US\";URI=http://testclient.lyft.com",
            ForwardedClientCert.Format(identity));
    }

    [Fact]
    public void Format_SeveralUrisAndDnsNames_OnePairEachUrisFirst()
    {
        var identity = new ClientCertificateIdentity("CN=orders", ["spiffe://corp/ns/ops/sa/orders", "urn:x"], ["lyft.com", "www.lyft.com"], Hash);

        Assert.Equal(
            $"Hash={Hash};Subject=\"CN=orders\";URI=spiffe://corp/ns/ops/sa/orders;URI=urn:x;DNS=lyft.com;DNS=www.lyft.com",
            ForwardedClientCert.Format(identity));
    }

    [Fact]
    public void Format_NoSans_HashAndSubjectOnly()
    {
        var identity = new ClientCertificateIdentity("CN=bare", [], [], Hash);

        Assert.Equal($"Hash={Hash};Subject=\"CN=bare\"", ForwardedClientCert.Format(identity));
    }

    [Fact]
    public void Format_SubjectWithQuotesAndBackslash_Escaped()
    {
        var identity = new ClientCertificateIdentity("CN=\"Doe, John\", O=A\\B", [], [], Hash);

        Assert.Equal($"Hash={Hash};Subject=\"CN=\\\"Doe, John\\\", O=A\\\\B\"", ForwardedClientCert.Format(identity));
    }

    [Theory]
    [InlineData("https://x.example.com/p?a=b", "URI=\"https://x.example.com/p?a=b\"")]
    [InlineData("urn:a;b", "URI=\"urn:a;b\"")]
    [InlineData("urn:a,b", "URI=\"urn:a,b\"")]
    [InlineData("urn:a\"b", "URI=\"urn:a\\\"b\"")]
    [InlineData("spiffe://corp/ns/ops", "URI=spiffe://corp/ns/ops")]
    public void Format_UriWithSeparator_Quoted(string uri, string expectedPair)
    {
        var identity = new ClientCertificateIdentity("CN=x", [uri], [], Hash);

        Assert.Equal($"Hash={Hash};Subject=\"CN=x\";{expectedPair}", ForwardedClientCert.Format(identity));
    }

    [Fact]
    public void Format_ControlAndNonAsciiCharacters_PercentEncodedUtf8()
    {
        var identity = new ClientCertificateIdentity("CN=Jos\u00e9", ["urn:a\r\nX-Injected: 1"], [], Hash);

        Assert.Equal(
            $"Hash={Hash};Subject=\"CN=Jos%C3%A9\";URI=urn:a%0D%0AX-Injected: 1",
            ForwardedClientCert.Format(identity));
    }

    [Fact]
    public void Format_RealCertificate_HashIsItsSha256()
    {
        using var certificate = TestPki.CreateLeaf(pki.Root, "orders", new LeafSpec { Uris = ["spiffe://corp/ns/ops/sa/orders"], DnsNames = ["orders.internal"] });
        var identity = ClientCertificateIdentity.FromCertificate(certificate);

        Assert.Equal(
            $"Hash={identity.Sha256Fingerprint};Subject=\"CN=orders, O=FastProxy Tests\";URI=spiffe://corp/ns/ops/sa/orders;DNS=orders.internal",
            ForwardedClientCert.Format(identity));
    }
}
