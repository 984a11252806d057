using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Tests.Common;
using FastProxy.Tls.Certificates;
using FastProxy.Tls.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Tls.Tests.Client;

public sealed class TlsUpstreamConnectorTests(PkiFixture pki) : IClassFixture<PkiFixture>
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly ListLogger _logger = new();
    private readonly UpstreamTlsCounters _counters = new();

    [Fact]
    public async Task ConnectAsync_UpstreamFromConfiguredCa_DecryptedPipeCarriesBytes()
    {
        using var certificate = UpstreamCertificate("localhost");
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, [pki.Intermediate]));
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost" });

        await using var connection = await connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None);

        Assert.Equal("pong\n", await PingAsync(connection));
        Assert.Equal("localhost", connection.Security?.ServerName);
        Assert.Equal("http/1.1", Encoding.ASCII.GetString(connection.Security!.ApplicationProtocol.Span));
        Assert.Equal(1, Volatile.Read(ref _counters.Completed));
    }

    [Fact]
    public async Task ConnectAsync_NameEndpoint_SniAndVerifiedNameAreTheEndpointHost()
    {
        using var certificate = UpstreamCertificate("localhost");
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, [pki.Intermediate]));
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root] });

        await using var connection = await connector.ConnectAsync(new DnsEndPoint("localhost", upstream.EndPoint.Port), ConnectTimeout, CancellationToken.None);

        Assert.Equal("pong\n", await PingAsync(connection));
        Assert.Equal("localhost", connection.Security?.ServerName);
    }

    [Fact]
    public async Task ConnectAsync_CertificateForAnotherName_ConnectFailureNamingTheMismatch()
    {
        using var certificate = UpstreamCertificate("billing.internal");
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, [pki.Intermediate]));
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "orders.internal" });

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None).AsTask());

        Assert.False(ex.IsTimeout);
        Assert.Equal(upstream.EndPoint, ex.Endpoint);
        Assert.Contains("certificate refused: name mismatch", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_logger.Messages, m => m.StartsWith($"TLS handshake with upstream {upstream.EndPoint} (server name orders.internal) failed: certificate refused: name mismatch", StringComparison.Ordinal));
        Assert.Equal(1, Volatile.Read(ref _counters.CertificateRejected));
    }

    [Fact]
    public async Task ConnectAsync_UpstreamFromAnotherCa_ConnectFailureNamingUnknownCa()
    {
        using var certificate = TestPki.CreateLeaf(pki.OtherRoot, "upstream", new LeafSpec { DnsNames = ["localhost"] });
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, []));
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost" });

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None).AsTask());

        Assert.False(ex.IsTimeout);
        Assert.Contains("certificate refused: unknown CA: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NoCaConfigured_SystemTrustRefusesPrivateCa()
    {
        using var certificate = UpstreamCertificate("localhost");
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, [pki.Intermediate]));
        var connector = Connector(new UpstreamTlsSettings { ServerName = "localhost" });

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None).AsTask());

        Assert.Contains("unknown CA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_ExpiredUpstreamCertificate_ConnectFailureNamingExpiry()
    {
        using var certificate = TestPki.CreateLeaf(pki.Intermediate, "upstream", new LeafSpec
        {
            DnsNames = ["localhost"],
            NotBefore = TimeSpan.FromDays(-30),
            NotAfter = TimeSpan.FromDays(-1),
        });
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, [pki.Intermediate]));
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost" });

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None).AsTask());

        Assert.Contains("certificate refused: certificate expired: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_ClientCertificateConfigured_UpstreamReceivesIt()
    {
        using var certificate = UpstreamCertificate("localhost");
        using var proxyCertificate = TestPki.CreateLeaf(pki.Intermediate, "fastproxy", new LeafSpec { Uris = ["spiffe://corp/ns/edge/sa/fastproxy"] });
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, [pki.Intermediate], clientRoot: pki.Root));
        var connector = Connector(new UpstreamTlsSettings
        {
            CertificateAuthorities = [pki.Root],
            ServerName = "localhost",
            ClientCertificate = new CertificateChain(proxyCertificate, [pki.Intermediate]),
        });

        await using var connection = await connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None);

        Assert.Equal("pong\n", await PingAsync(connection));
        Assert.Equal("CN=fastproxy, O=FastProxy Tests", upstream.ClientCertificate?.Subject);
    }

    [Fact]
    public async Task ConnectAsync_UpstreamNeverAnswersTheHello_TimeoutConnectFailure()
    {
        await using var upstream = new TestTlsUpstream(options: null);
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost" });
        var started = TimeProvider.System.GetTimestamp();

        // 2 s, not less: on a loaded machine the TCP connect's own completion can take a good part of a shorter
        // timeout, which then reports the connect (not the hello) as what timed out.
        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => connector.ConnectAsync(upstream.EndPoint, TimeSpan.FromSeconds(2), CancellationToken.None).AsTask());

        Assert.True(ex.IsTimeout);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromMilliseconds(1900), LoopbackHelpers.StepTimeout + TimeSpan.FromSeconds(2));
        Assert.Contains("not completed within the connect timeout of 2000 ms", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, Volatile.Read(ref _counters.HandshakeTimeout));
    }

    [Fact]
    public async Task ConnectAsync_CallerCancels_OperationCanceled()
    {
        await using var upstream = new TestTlsUpstream(options: null);
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost" });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, cancel.Token).AsTask());

        Assert.Equal(cancel.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task ConnectAsync_UpstreamSpeaksPlainHttp_ConnectFailureNotTimeout()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            await LoopbackHelpers.SendAsync(socket, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        });
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost" });

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => connector.ConnectAsync(listener.LocalEndpoint, ConnectTimeout, CancellationToken.None).AsTask());

        Assert.False(ex.IsTimeout);
        Assert.StartsWith($"TLS handshake with {listener.LocalEndpoint} (server name localhost) failed: ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, Volatile.Read(ref _counters.HandshakeFailed));
        await serve.WaitAsync(LoopbackHelpers.StepTimeout);
    }

    [Fact]
    public async Task ConnectAsync_Tls13OnlyAgainstTls12Upstream_ConnectFailure()
    {
        using var certificate = UpstreamCertificate("localhost");
        var options = TestTlsUpstream.Options(certificate, [pki.Intermediate]);
#pragma warning disable CA5398 // the test pins the upstream to TLS 1.2 on purpose
        options.EnabledSslProtocols = SslProtocols.Tls12;
#pragma warning restore CA5398
        await using var upstream = new TestTlsUpstream(options);
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost", EnabledProtocols = SslProtocols.Tls13 });

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None).AsTask());

        Assert.False(ex.IsTimeout);
    }

    [Fact]
    public async Task DisposeAsync_TlsConnection_UpstreamSeesACleanEnd()
    {
        using var certificate = UpstreamCertificate("localhost");
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, [pki.Intermediate]));
        var connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost" });
        var connection = await connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None);
        Assert.Equal("pong\n", await PingAsync(connection));

        await connection.DisposeAsync().AsTask().WaitAsync(LoopbackHelpers.StepTimeout);

        Assert.True(await upstream.FirstClosed.Task.WaitAsync(LoopbackHelpers.StepTimeout));
    }

    [Fact]
    public async Task Pool_Tls13Connection_ReusedForEveryExchange()
    {
        // TLS 1.3 servers send session tickets after the handshake: the pool's readability check at release and at
        // acquire must not mistake them for unsolicited response bytes (the decrypting pump consumes them).
        using var certificate = UpstreamCertificate("localhost");
        await using var upstream = new TestTlsUpstream(TestTlsUpstream.Options(certificate, [pki.Intermediate]));
        var pool = new UpstreamPoolOptions
        {
            Connector = Connector(new UpstreamTlsSettings { CertificateAuthorities = [pki.Root], ServerName = "localhost", EnabledProtocols = SslProtocols.Tls13 }),
        };
        await using var cluster = new UpstreamCluster("tls", [upstream.EndPoint], BalancePolicy.RoundRobin, pool, TimeProvider.System, NullLogger.Instance);
        Assert.True(cluster.TryPick(out var endpoint));
        long? connectionId = null;

        for (var i = 0; i < 20; i++)
        {
            var lease = await endpoint.AcquireAsync(CancellationToken.None);
            Assert.Equal(i > 0, lease.IsReused);
            connectionId ??= lease.Connection.Id;
            Assert.Equal(connectionId, lease.Connection.Id);
            Assert.Equal("pong\n", await PingAsync(lease.Connection));
            if (i == 0)
            {
                // Give a late ticket time to arrive before the first release looks at the socket.
                await Task.Delay(100);
            }

            endpoint.Release(lease, reusable: true);
        }

        Assert.Equal(SslProtocols.Tls13, upstream.Protocol);
        Assert.Equal(1, upstream.Accepted);
        Assert.Equal(0, endpoint.UnsolicitedBytesClosures);
    }

    [Fact]
    public async Task ConnectAsync_H2RequiredAndUpstreamSelectsH2_Connected()
    {
        using var certificate = UpstreamCertificate("localhost");
        var options = TestTlsUpstream.Options(certificate, [pki.Intermediate]);
        options.ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
        await using var upstream = new TestTlsUpstream(options);
        var connector = Connector(H2Settings());

        await using var connection = await connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None);

        Assert.Equal("h2", Encoding.ASCII.GetString(connection.Security!.ApplicationProtocol.Span));
        Assert.Equal(1, Volatile.Read(ref _counters.Completed));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConnectAsync_H2RequiredButUpstreamSelectsHttp11OrNothing_ConnectFailureSayingSo(bool upstreamOffersHttp11)
    {
        using var certificate = UpstreamCertificate("localhost");
        var options = TestTlsUpstream.Options(certificate, [pki.Intermediate]);

        // An HTTP/1.1-only server: with http/1.1 listed OpenSSL refuses the h2-only offer or selects nothing; without
        // any ALPN list the server ignores the extension and the handshake completes with no protocol.
        options.ApplicationProtocols = upstreamOffersHttp11 ? [SslApplicationProtocol.Http11] : null;
        await using var upstream = new TestTlsUpstream(options);
        var connector = Connector(H2Settings());

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => connector.ConnectAsync(upstream.EndPoint, ConnectTimeout, CancellationToken.None).AsTask());

        Assert.False(ex.IsTimeout);
        Assert.Equal(0, Volatile.Read(ref _counters.Completed));
        Assert.Equal(1, Volatile.Read(ref _counters.HandshakeFailed));
        if (!upstreamOffersHttp11)
        {
            Assert.Contains("upstream did not select h2 with ALPN (selected: none)", ex.Message, StringComparison.Ordinal);
            Assert.Contains(_logger.Messages, m => m.Contains("upstream did not select h2 with ALPN", StringComparison.Ordinal));
        }
    }

    private UpstreamTlsSettings H2Settings() => new()
    {
        CertificateAuthorities = [pki.Root],
        ServerName = "localhost",
        ApplicationProtocols = [SslApplicationProtocol.Http2],
        RequiredApplicationProtocol = SslApplicationProtocol.Http2,
    };

    private TlsUpstreamConnector Connector(UpstreamTlsSettings settings) =>
        new(new TcpUpstreamConnector(new SocketConnectionOptions()), new UpstreamTlsOptionsFactory(settings, _logger, TimeProvider.System), _counters, PinnedBlockMemoryPool.Shared, TimeProvider.System, _logger);

    private X509Certificate2 UpstreamCertificate(string dnsName) =>
        TestPki.CreateLeaf(pki.Intermediate, "upstream", new LeafSpec { DnsNames = [dnsName] });

    /// <summary>One exchange over the connection's top (decrypted) pipe: "ping\n" out, the reply line back.</summary>
    private static async Task<string> PingAsync(TransportConnection connection)
    {
        using var timeout = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        await connection.Output.WriteAsync("ping\n"u8.ToArray(), timeout.Token);
        while (true)
        {
            var result = await connection.Input.ReadAsync(timeout.Token);
            var position = result.Buffer.PositionOf((byte)'\n');
            if (position is { } end)
            {
                var line = result.Buffer.Slice(0, result.Buffer.GetPosition(1, end));
                var text = Encoding.ASCII.GetString(line.ToArray());
                connection.Input.AdvanceTo(line.End);
                return text;
            }

            if (result.IsCompleted)
            {
                connection.Input.AdvanceTo(result.Buffer.End);
                return Encoding.ASCII.GetString(result.Buffer.ToArray());
            }

            connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
