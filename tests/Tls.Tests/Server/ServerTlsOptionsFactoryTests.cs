using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tests.Common;
using FastProxy.Tls.Certificates;
using FastProxy.Tls.Identity;
using FastProxy.Tls.Server;

namespace FastProxy.Tls.Tests.Server;

public sealed class ServerTlsOptionsFactoryTests(PkiFixture pki) : IClassFixture<PkiFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ListLogger _logger = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(new[] { "h2", "http/1.1" }, new[] { "h2", "http/1.1" }, "h2")]
    [InlineData(new[] { "http/1.1" }, new[] { "h2", "http/1.1" }, "http/1.1")]
    [InlineData(new[] { "h2", "http/1.1" }, new[] { "http/1.1" }, "http/1.1")]
    [InlineData(new[] { "http/1.1" }, new string[0], "")]
    public async Task Handshake_Alpn_NegotiatesFromServerList(string[] server, string[] client, string expected)
    {
        var factory = Create(new ServerTlsSettings { ApplicationProtocols = [.. server.Select(p => new SslApplicationProtocol(p))] });

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com", null, [.. client.Select(p => new SslApplicationProtocol(p))]));

        Assert.True(result.Succeeded, Describe(result));
        Assert.Equal(expected, result.Server.NegotiatedApplicationProtocol.ToString());
        Assert.Equal(expected, result.Client.NegotiatedApplicationProtocol.ToString());
    }

    [Theory]
    [InlineData("api.example.com", "api certificate")]
    [InlineData("x.wild.example.com", "wild certificate")]
    [InlineData("unknown.example.com", "default certificate")]
    [InlineData("", "default certificate")]
    public async Task Handshake_Sni_ServesTheSelectedCertificateWithItsChain(string serverName, string expectedSubject)
    {
        var factory = ServerTlsOptionsFactory.Create(
            Files("default", []),
            [Files("api", ["api.example.com"]), Files("wild", ["*.wild.example.com"])],
            new ServerTlsSettings(),
            _logger,
            TimeProvider.System);
        X509Certificate2? served = null;
        var servedChainLength = 0;
        var client = TlsLoopback.ClientTrusting(pki.Root, serverName);
        client.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            served = new X509Certificate2(certificate!);
            servedChainLength = chain!.ChainElements.Count;

            // The name check is not what this test is about; the chain must still be good.
            return (errors & ~(SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == SslPolicyErrors.None;
        };

        await using var result = await TlsLoopback.HandshakeAsync(factory, client);

        Assert.True(result.Succeeded, Describe(result));
        Assert.Equal($"CN={expectedSubject}, O=FastProxy Tests", served!.Subject);
        Assert.Equal(3, servedChainLength); // leaf, intermediate sent by the server, root trusted by the client
    }

    [Fact]
    public void GetOptions_SameCertificate_SameOptionsInstanceEveryTime()
    {
        var factory = ServerTlsOptionsFactory.Create(Files("default", []), [Files("api", ["api.example.com"])], new ServerTlsSettings(), _logger, TimeProvider.System);

        Assert.Same(factory.GetOptions("api.example.com"), factory.GetOptions("API.example.com."));
        Assert.Same(factory.GetOptions(null), factory.GetOptions("nothing.example.com"));
        Assert.NotSame(factory.GetOptions(null), factory.GetOptions("api.example.com"));
    }

    [Fact]
    public void SelectionCallback_PerHandshake_AllocatesNothing()
    {
        var factory = ServerTlsOptionsFactory.Create(Files("default", []), [Files("api", ["api.example.com"]), Files("wild", ["*.wild.example.com"])], new ServerTlsSettings(), _logger, TimeProvider.System);
        string[] names = ["api.example.com", "API.EXAMPLE.COM.", "x.wild.example.com", "nothing.example.com", ""];
        var hellos = names.Select(n => new SslClientHelloInfo(n, SslProtocols.Tls13)).ToArray();

        var allCompleted = true;
        var bytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                foreach (var hello in hellos)
                {
                    var selection = ServerTlsOptionsFactory.SelectionCallback(null!, hello, factory, CancellationToken.None);
                    allCompleted &= selection.IsCompletedSuccessfully;
                }
            }
        });

        Assert.True(allCompleted);
        Assert.Equal(0, bytes);
    }

    [Theory]
    [InlineData(0x01)] // TLS 1.0
    [InlineData(0x02)] // TLS 1.1
    public async Task Handshake_ClientHelloOfTls10Or11_RefusedWithProtocolVersionAlert(byte minor)
    {
        var factory = Create(new ServerTlsSettings());
        var (serverStream, clientStream) = await TlsLoopback.ConnectAsync();
        await using var server = new SslStream(serverStream);
        await using var _ = clientStream;
        using var timeout = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        var serverTask = server.AuthenticateAsServerAsync(ServerTlsOptionsFactory.SelectionCallback, factory, timeout.Token);

        await clientStream.WriteAsync(LegacyClientHello(minor), timeout.Token);
        var alert = new byte[7];
        await clientStream.ReadExactlyAsync(alert, timeout.Token);

        Assert.Equal(0x15, alert[0]); // RFC 8446 §5.1: ContentType alert
        Assert.Equal(2, alert[5]);    // fatal
        Assert.Equal(70, alert[6]);   // RFC 8446 §6.2: protocol_version
        await Assert.ThrowsAnyAsync<AuthenticationException>(() => serverTask);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Handshake_Tls12Or13Client_NegotiatesAnAeadForwardSecretSuite(SslProtocols protocol)
    {
        var factory = Create(new ServerTlsSettings());
        var client = TlsLoopback.ClientTrusting(pki.Root, "api.example.com");
        client.EnabledSslProtocols = protocol;

        await using var result = await TlsLoopback.HandshakeAsync(factory, client);

        Assert.True(result.Succeeded, Describe(result));
        Assert.Equal(protocol, result.Server.SslProtocol);
        Assert.Contains(result.Server.NegotiatedCipherSuite, TlsCipherSuites.AeadForwardSecrecy);
    }

    [Fact]
    public async Task Handshake_SystemDefaultCipherPolicy_NoSuiteListSetAndHandshakeWorks()
    {
        var factory = Create(new ServerTlsSettings { CipherPolicy = TlsCipherPolicy.SystemDefault });

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com"));

        Assert.True(result.Succeeded, Describe(result));
        Assert.Null(factory.GetOptions(null).CipherSuitesPolicy);
    }

    [Theory]
    [InlineData(X509RevocationMode.NoCheck)]
    [InlineData(X509RevocationMode.Offline)]
    [InlineData(X509RevocationMode.Online)]
    public void Create_RevocationMode_PassedToEveryHandshake(X509RevocationMode mode)
    {
        var factory = Create(new ServerTlsSettings
        {
            ClientCertificateMode = ClientCertificateMode.Required,
            ClientCertificateAuthorities = [pki.Root],
            RevocationMode = mode,
        });

        Assert.Equal(mode, factory.GetOptions(null).CertificateRevocationCheckMode);
    }

    [Fact]
    public void Create_Defaults_Tls12And13OnlyNoRenegotiation()
    {
        var options = Create(new ServerTlsSettings()).GetOptions(null);

#pragma warning disable CA5398 // asserting the pin
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options.EnabledSslProtocols);
#pragma warning restore CA5398
        Assert.False(options.AllowRenegotiation);
        Assert.False(options.ClientCertificateRequired);
        Assert.NotNull(options.CipherSuitesPolicy);
    }

    [Fact]
    public async Task Handshake_Tls12ClientOfferingOnlyCbcSuites_Refused()
    {
        var factory = Create(new ServerTlsSettings());
        var client = TlsLoopback.ClientTrusting(pki.Root, "api.example.com");
        client.EnabledSslProtocols = SslProtocols.Tls12;
#pragma warning disable CA1416 // these tests run on Linux, where CipherSuitesPolicy exists
        client.CipherSuitesPolicy = new CipherSuitesPolicy([TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]);
#pragma warning restore CA1416

        await using var result = await TlsLoopback.HandshakeAsync(factory, client);

        Assert.NotNull(result.ServerError);
    }

    [Fact]
    public async Task Handshake_RequiredWithoutClientCertificate_RefusedAndReasonLogged()
    {
        var factory = Create(MutualTls(ClientCertificateMode.Required));

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com"));

        Assert.False(result.Succeeded);
        Assert.NotNull(result.ServerError);
        Assert.Contains("TLS client certificate rejected: no client certificate presented (client_certificate: required)", _logger.Messages, StringComparer.Ordinal);
    }

    [Fact]
    public async Task Handshake_RequiredWithCertificateFromAnotherCa_RefusedAsUnknownCa()
    {
        var factory = Create(MutualTls(ClientCertificateMode.Required));
        using var stranger = TestPki.CreateLeaf(pki.OtherRoot, "stranger", new LeafSpec { Uris = ["spiffe://corp/ns/evil/sa/x"] });

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com", stranger));

        Assert.False(result.Succeeded);
        Assert.NotNull(result.ServerError);
        var message = Assert.Single(_logger.Messages);
        Assert.StartsWith("TLS client certificate rejected: unknown CA: ", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_RequiredWithValidCertificate_IdentityReadableAfterwards()
    {
        var factory = Create(MutualTls(ClientCertificateMode.Required));
        using var client = TestPki.CreateLeaf(pki.Root, "orders client", new LeafSpec { Uris = ["spiffe://corp/ns/ops/sa/orders"], DnsNames = ["orders.internal"] });

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com", client));

        Assert.True(result.Succeeded, Describe(result));
        var identity = ClientCertificateIdentity.FromCertificate((X509Certificate2)result.Server.RemoteCertificate!);
        Assert.Equal(["spiffe://corp/ns/ops/sa/orders"], identity.UriSans);
        Assert.Equal("CN=orders client, O=FastProxy Tests", identity.Subject);
        Assert.Empty(_logger.Messages);
    }

    [Fact]
    public async Task Handshake_RequiredWithCertificateUnderIntermediate_ClientSendsChainAndPasses()
    {
        var factory = Create(MutualTls(ClientCertificateMode.Required));
        using var client = TestPki.CreateLeaf(pki.Intermediate, "chained client", new LeafSpec());
        var options = TlsLoopback.ClientTrusting(pki.Root, "api.example.com");
        options.ClientCertificateContext = SslStreamCertificateContext.Create(client, [pki.Intermediate], offline: true);

        await using var result = await TlsLoopback.HandshakeAsync(factory, options);

        Assert.True(result.Succeeded, Describe(result));
    }

    [Fact]
    public async Task Handshake_RequiredWithExpiredCertificate_RefusedAsExpired()
    {
        var factory = Create(MutualTls(ClientCertificateMode.Required));
        using var client = TestPki.CreateLeaf(pki.Root, "old client", new LeafSpec { NotBefore = TimeSpan.FromDays(-30), NotAfter = TimeSpan.FromDays(-1) });

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com", client));

        Assert.False(result.Succeeded);
        Assert.StartsWith("TLS client certificate rejected: certificate expired: 'CN=old client, O=FastProxy Tests' expired at ", Assert.Single(_logger.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_RequiredWithServerOnlyCertificate_RefusedForKeyUsage()
    {
        var factory = Create(MutualTls(ClientCertificateMode.Required));
        using var client = TestPki.CreateLeaf(pki.Root, "server only", new LeafSpec { ClientAuth = false });

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com", client));

        Assert.False(result.Succeeded);
        Assert.Equal(
            "TLS client certificate rejected: certificate 'CN=server only, O=FastProxy Tests' is not valid for this use (its extended key usage does not allow it)",
            Assert.Single(_logger.Messages));
    }

    [Fact]
    public async Task Handshake_OptionalWithoutClientCertificate_LetThroughWithoutIdentity()
    {
        var factory = Create(MutualTls(ClientCertificateMode.Optional));

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com"));

        Assert.True(result.Succeeded, Describe(result));
        Assert.Null(result.Server.RemoteCertificate);
    }

    [Fact]
    public async Task Handshake_OptionalWithCertificateFromAnotherCa_Refused()
    {
        var factory = Create(MutualTls(ClientCertificateMode.Optional));
        using var stranger = TestPki.CreateLeaf(pki.OtherRoot, "stranger", new LeafSpec());

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com", stranger));

        Assert.False(result.Succeeded);
        Assert.StartsWith("TLS client certificate rejected: unknown CA: ", Assert.Single(_logger.Messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ModeNone_NoCertificateRequested()
    {
        var factory = Create(new ServerTlsSettings());
        using var client = TestPki.CreateLeaf(pki.Root, "unasked", new LeafSpec());

        await using var result = await TlsLoopback.HandshakeAsync(factory, TlsLoopback.ClientTrusting(pki.Root, "api.example.com", client));

        Assert.True(result.Succeeded, Describe(result));
        Assert.Null(result.Server.RemoteCertificate);
    }

    [Theory]
    [InlineData(ClientCertificateMode.Required, "required")]
    [InlineData(ClientCertificateMode.Optional, "optional")]
    public void Create_ClientCertificatesWithoutCaBundle_Refused(ClientCertificateMode mode, string name)
    {
        var ex = Assert.Throws<CertificateLoadException>(() => Create(new ServerTlsSettings { ClientCertificateMode = mode }));

        Assert.Equal($"client_certificate is '{name}' but no client CA bundle is configured", ex.Message);
    }

    private ServerTlsSettings MutualTls(ClientCertificateMode mode) => new()
    {
        ClientCertificateMode = mode,
        ClientCertificateAuthorities = [pki.Root],
    };

    private ServerTlsOptionsFactory Create(ServerTlsSettings settings) =>
        ServerTlsOptionsFactory.Create(Files("default", []), [], settings, _logger, TimeProvider.System);

    private ServerCertificateFiles Files(string label, IReadOnlyList<string> names)
    {
        using var leaf = TestPki.CreateLeaf(pki.Intermediate, $"{label} certificate", new LeafSpec { DnsNames = ["api.example.com"], ClientAuth = false });
        var certPath = _dir.Write($"{label}.pem", TestPki.ChainPem(leaf, pki.Intermediate));
        var keyPath = _dir.Write($"{label}.key", TestPki.KeyPem(leaf));
        return new ServerCertificateFiles(certPath, keyPath, names);
    }

    private static string Describe(HandshakeResult result) =>
        $"server: {result.ServerError}\nclient: {result.ClientError}\nexchange: {result.ExchangeError}";

    // A minimal TLS 1.0/1.1 ClientHello (RFC 4346 §7.4.1.2) offering two CBC suites and no extensions.
    private static byte[] LegacyClientHello(byte minor)
    {
        byte[] hello =
        [
            0x16, 0x03, 0x01, 0x00, 0x2f,       // record: handshake, legacy version, length 47
            0x01, 0x00, 0x00, 0x2b,             // ClientHello, length 43
            0x03, minor,                        // client_version
            .. new byte[32],                    // random
            0x00,                               // session_id: empty
            0x00, 0x04, 0xc0, 0x13, 0x00, 0x2f, // cipher_suites: ECDHE-RSA-AES128-SHA, AES128-SHA
            0x01, 0x00,                         // compression_methods: null
        ];
        return hello;
    }
}
