using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Certificates;
using FastProxy.Tls.Client;

namespace FastProxy.Tls.Tests.Client;

public sealed class UpstreamTlsOptionsFactoryTests(PkiFixture pki) : IClassFixture<PkiFixture>
{
    private readonly ListLogger _logger = new();

    [Fact]
    public void Create_NoServerNameConfigured_SniIsTheEndpointHost()
    {
        var factory = new UpstreamTlsOptionsFactory(new UpstreamTlsSettings(), _logger, TimeProvider.System);

        Assert.Equal("orders.internal", factory.Create("orders.internal", new UpstreamCertificateCheck()).TargetHost);
    }

    [Fact]
    public void Create_ServerNameConfigured_OverridesTheEndpointHost()
    {
        var factory = new UpstreamTlsOptionsFactory(new UpstreamTlsSettings { ServerName = "orders.example.com" }, _logger, TimeProvider.System);

        Assert.Equal("orders.example.com", factory.Create("10.0.1.5", new UpstreamCertificateCheck()).TargetHost);
    }

    [Fact]
    public async Task Handshake_UpstreamFromConfiguredCa_SucceedsWithAlpn()
    {
        using var upstream = UpstreamCertificate("orders.internal");
        var check = new UpstreamCertificateCheck();
        var factory = new UpstreamTlsOptionsFactory(
            new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ApplicationProtocols = [SslApplicationProtocol.Http11] }, _logger, TimeProvider.System);

        await using var result = await HandshakeAsync(upstream, factory.Create("orders.internal", check));

        Assert.True(result.Succeeded, $"{result.ServerError}\n{result.ClientError}");
        Assert.Null(check.FailureReason);
        Assert.Equal(SslApplicationProtocol.Http11, result.Client.NegotiatedApplicationProtocol);
    }

    [Fact]
    public async Task Handshake_UpstreamFromAnotherCa_RefusedAsUnknownCaAndLogged()
    {
        using var upstream = TestPki.CreateLeaf(pki.OtherRoot, "orders", new LeafSpec { DnsNames = ["orders.internal"] });
        var check = new UpstreamCertificateCheck();
        var factory = new UpstreamTlsOptionsFactory(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root] }, _logger, TimeProvider.System);

        await using var result = await HandshakeAsync(upstream, factory.Create("orders.internal", check));

        Assert.NotNull(result.ClientError);
        Assert.StartsWith("unknown CA: ", check.FailureReason, StringComparison.Ordinal);
        Assert.Equal([$"TLS upstream certificate of orders.internal rejected: {check.FailureReason}"], _logger.Messages);
    }

    [Fact]
    public async Task Handshake_NoCaConfigured_SystemTrustRefusesPrivateCa()
    {
        using var upstream = UpstreamCertificate("orders.internal");
        var check = new UpstreamCertificateCheck();
        var factory = new UpstreamTlsOptionsFactory(new UpstreamTlsSettings(), _logger, TimeProvider.System);

        await using var result = await HandshakeAsync(upstream, factory.Create("orders.internal", check));

        Assert.NotNull(result.ClientError);
        Assert.StartsWith("unknown CA: ", check.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_CertificateForAnotherName_RefusedAsNameMismatch()
    {
        using var upstream = UpstreamCertificate("billing.internal");
        var check = new UpstreamCertificateCheck();
        var factory = new UpstreamTlsOptionsFactory(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root] }, _logger, TimeProvider.System);

        await using var result = await HandshakeAsync(upstream, factory.Create("orders.internal", check));

        Assert.NotNull(result.ClientError);
        Assert.Equal("name mismatch: certificate 'CN=upstream, O=FastProxy Tests' is not valid for 'orders.internal'", check.FailureReason);
    }

    [Fact]
    public async Task Handshake_NameMismatchWithVerificationOff_Succeeds()
    {
        using var upstream = UpstreamCertificate("billing.internal");
        var check = new UpstreamCertificateCheck();
        var factory = new UpstreamTlsOptionsFactory(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], VerifyHostName = false }, _logger, TimeProvider.System);

        await using var result = await HandshakeAsync(upstream, factory.Create("orders.internal", check));

        Assert.True(result.Succeeded, $"{result.ServerError}\n{result.ClientError}");
    }

    [Fact]
    public async Task Handshake_NameMismatchWithVerificationOff_UnknownCaStillRefused()
    {
        using var upstream = TestPki.CreateLeaf(pki.OtherRoot, "upstream", new LeafSpec { DnsNames = ["billing.internal"] });
        var check = new UpstreamCertificateCheck();
        var factory = new UpstreamTlsOptionsFactory(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], VerifyHostName = false }, _logger, TimeProvider.System);

        await using var result = await HandshakeAsync(upstream, factory.Create("orders.internal", check));

        Assert.NotNull(result.ClientError);
        Assert.StartsWith("unknown CA: ", check.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ExpiredUpstreamCertificate_RefusedAsExpired()
    {
        using var upstream = TestPki.CreateLeaf(pki.Intermediate, "upstream", new LeafSpec
        {
            DnsNames = ["orders.internal"],
            NotBefore = TimeSpan.FromDays(-30),
            NotAfter = TimeSpan.FromDays(-1),
        });
        var check = new UpstreamCertificateCheck();
        var factory = new UpstreamTlsOptionsFactory(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root] }, _logger, TimeProvider.System);

        await using var result = await HandshakeAsync(upstream, factory.Create("orders.internal", check));

        Assert.NotNull(result.ClientError);
        Assert.StartsWith("certificate expired: 'CN=upstream, O=FastProxy Tests' expired at ", check.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ClientCertificateConfigured_UpstreamReceivesItWithChain()
    {
        using var upstream = UpstreamCertificate("orders.internal");
        using var proxyCertificate = TestPki.CreateLeaf(pki.Intermediate, "fastproxy", new LeafSpec { Uris = ["spiffe://corp/ns/edge/sa/fastproxy"] });
        var factory = new UpstreamTlsOptionsFactory(
            new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ClientCertificate = new CertificateChain(proxyCertificate, [pki.Intermediate]) },
            _logger,
            TimeProvider.System);
        X509Certificate2? seen = null;

        await using var result = await HandshakeAsync(upstream, factory.Create("orders.internal", new UpstreamCertificateCheck()), requireClientCertificate: (certificate, errors) =>
        {
            seen = certificate is null ? null : new X509Certificate2(certificate);
            return errors == SslPolicyErrors.None;
        });

        Assert.True(result.Succeeded, $"{result.ServerError}\n{result.ClientError}\n{result.ExchangeError}");
        Assert.Equal("CN=fastproxy, O=FastProxy Tests", seen!.Subject);
    }

    private X509Certificate2 UpstreamCertificate(string dnsName) =>
        TestPki.CreateLeaf(pki.Intermediate, "upstream", new LeafSpec { DnsNames = [dnsName] });

    private Task<HandshakeResult> HandshakeAsync(X509Certificate2 upstream, SslClientAuthenticationOptions proxyOptions, Func<X509Certificate?, SslPolicyErrors, bool>? requireClientCertificate = null)
    {
        var serverOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(upstream, [pki.Intermediate], offline: true),
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        };
        if (requireClientCertificate is not null)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.Add(pki.Root);
            serverOptions.ClientCertificateRequired = true;
            serverOptions.CertificateChainPolicy = policy;
            serverOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => requireClientCertificate(certificate, errors);
        }

        return TlsLoopback.HandshakeAsync((s, token) => s.AuthenticateAsServerAsync(serverOptions, token), proxyOptions);
    }
}
