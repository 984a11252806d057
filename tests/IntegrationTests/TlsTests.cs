using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// A TLS listener end to end, driven by clients we did not write (curl, openssl s_client, .NET HttpClient): HTTP/1.1
/// over TLS to a plain upstream, TLS 1.2/1.3 only, ALPN, SNI, the full chain, and what happens to clients that do not
/// speak TLS or stall in the handshake (closed, logged, counted).
/// </summary>
public sealed partial class TlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _pki = null!;
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;

    private int Port => _proxy.BaseAddress.Port;

    public async Task InitializeAsync()
    {
        _pki = TestPkiFiles.Create();
        _upstream = await TestUpstream.StartAsync();
        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [ { "address": "127.0.0.1:0", "tls": {
                "certificate": "{{_pki.ServerChain}}", "key": "{{_pki.ServerKey}}",
                "sni": [ { "certificate": "{{_pki.SniChain}}", "key": "{{_pki.SniKey}}" } ],
                "handshake_timeout_seconds": 1 } } ],
              "admin": { "address": "127.0.0.1:0" },
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 2 },
              "clusters": { "app": { "endpoints": [ "{{_upstream.Endpoint}}" ] } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
              "log": { "level": "information" }
            }
            """);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public void Listener_AnnouncesHttps()
    {
        Assert.Equal("https", _proxy.BaseAddress.Scheme);
    }

    [Fact]
    public async Task Curl_VerifyingWithCa_GetsUpstreamBodyOverTls()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--cacert", _pki.RootCa, $"https://127.0.0.1:{Port}/hello");

        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream", text);
    }

    [Fact]
    public async Task Curl_ForwardedProto_IsHttps()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http1.1", "--cacert", _pki.RootCa, $"https://127.0.0.1:{Port}/public/headers");

        Assert.True(exit == 0, text);
        Assert.Contains("x-forwarded-proto: https", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClient_TrustingTestCa_GetsAndPostsOverOneConnection()
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = _pki.CustomTrustPolicy() },
        };
        using var client = new HttpClient(handler) { BaseAddress = _proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };

        Assert.Equal("hello from upstream", await client.GetStringAsync(new Uri("/hello", UriKind.Relative)));
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        using var response = await client.PostAsync(new Uri("/echo", UriKind.Relative), new ByteArrayContent(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("-tls1_2", "TLSv1.2")]
    [InlineData("-tls1_3", "TLSv1.3")]
    public async Task SClient_Tls12And13_Accepted(string flag, string protocol)
    {
        var (_, text) = await OpenSsl.SClientAsync(Port, "", flag, "-CAfile", _pki.RootCa, "-verify_return_error");

        Assert.Contains($"New, {protocol}, Cipher is ", text, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1")]
    [InlineData("-tls1_1")]
    public async Task SClient_Tls10And11_RefusedAndCounted(string flag)
    {
        // SECLEVEL=0: the client itself would otherwise refuse to offer TLS 1.0/1.1; the proxy must be what says no.
        var (exit, text) = await OpenSsl.SClientAsync(Port, "", flag, "-cipher", "DEFAULT@SECLEVEL=0");

        Assert.NotEqual(0, exit);
        Assert.Contains("Cipher is (NONE)", text, StringComparison.Ordinal);
        Assert.True(await _proxy.WaitForOutputAsync("TLS handshake failed"), _proxy.Output);
        Assert.True(await MetricAsync("handshake_failed") >= 1);
    }

    [Fact]
    public async Task SClient_AlpnH2AndHttp11_AgreesOnHttp11()
    {
        var (_, text) = await OpenSsl.SClientAsync(Port, "", "-alpn", "h2,http/1.1");

        Assert.Contains("ALPN protocol: http/1.1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SClient_ServerNameOfSniCertificate_GetsThatCertificate()
    {
        var (_, text) = await OpenSsl.SClientAsync(Port, "", "-servername", "a.test");

        Assert.Matches(@"subject=.*CN\s*=\s*a\.test", text);
    }

    [Fact]
    public async Task SClient_UnknownServerName_GetsDefaultCertificate()
    {
        var (_, text) = await OpenSsl.SClientAsync(Port, "", "-servername", "b.test");

        Assert.Matches(@"subject=.*CN\s*=\s*fastproxy server", text);
    }

    [Fact]
    public async Task SClient_ShowCerts_FullChainSent()
    {
        var (_, text) = await OpenSsl.SClientAsync(Port, "", "-showcerts", "-CAfile", _pki.RootCa);

        Assert.Equal(2, text.Split("-----BEGIN CERTIFICATE-----").Length - 1);
        Assert.Contains("FastProxy Test Intermediate", text, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SClient_HttpRequestOverTls_Answered()
    {
        var (_, text) = await OpenSsl.SClientAsync(Port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "-ign_eof", "-quiet");

        Assert.Contains("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains("hello from upstream", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SClient_ProxyClosesAfterConnectionClose_SendsCloseNotifyAndFreesTheConnection()
    {
        // The proxy ends the connection while the client still listens (it would read on, -ign_eof): the TLS layer is
        // closed before the socket, so the client sees close_notify rather than a truncated stream, and the
        // connection leaves the listener (a pump left waiting under a closed socket used to keep it open for good).
        using var admin = new AdminMetrics(_proxy);
        for (var i = 0; i < 3; i++)
        {
            var (_, text) = await OpenSsl.SClientAsync(Port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "-ign_eof");

            Assert.Contains("hello from upstream", text, StringComparison.Ordinal);
            Assert.DoesNotContain("unexpected eof", text, StringComparison.Ordinal);
        }

        double? active = null;
        for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(5); await Task.Delay(100))
        {
            active = AdminMetrics.Sample(await admin.ScrapeAsync(), "fastproxy_active_connections");
            if (active == 0)
            {
                break;
            }
        }

        Assert.Equal(0, active);
    }

    [Fact]
    public async Task PlaintextHttp_OnTlsPort_ClosedLoggedCounted()
    {
        var closed = await SendAndWaitForCloseAsync(Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));

        Assert.True(closed < TimeSpan.FromSeconds(1), $"closed after {closed}");
        Assert.True(await _proxy.WaitForOutputAsync("plain-text HTTP sent to a TLS port"), _proxy.Output);
        Assert.Equal(1, await MetricAsync("plaintext_http"));
    }

    [Fact]
    public async Task Garbage_OnTlsPort_ClosedLoggedCounted()
    {
        var closed = await SendAndWaitForCloseAsync([0x00, 0xff, 0x13, 0x37, 0x42]);

        Assert.True(closed < TimeSpan.FromSeconds(1), $"closed after {closed}");
        Assert.True(await _proxy.WaitForOutputAsync("not TLS (first byte 0x00)"), _proxy.Output);
        Assert.Equal(1, await MetricAsync("not_tls"));
    }

    [Fact]
    public async Task GarbageAfterRecordType_HandshakeFails()
    {
        var closed = await SendAndWaitForCloseAsync([0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00]);

        Assert.True(closed < TimeSpan.FromSeconds(1), $"closed after {closed}");
        Assert.True(await _proxy.WaitForOutputAsync("TLS handshake failed"), _proxy.Output);
        Assert.Equal(1, await MetricAsync("handshake_failed"));
    }

    [Fact]
    public async Task StalledHandshake_CutAtTimeout()
    {
        // A record header and nothing more: the ClientHello never completes.
        var closed = await SendAndWaitForCloseAsync([0x16, 0x03, 0x01]);

        Assert.InRange(closed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(4));
        Assert.True(await _proxy.WaitForOutputAsync("TLS handshake not completed within 1s"), _proxy.Output);
        Assert.Equal(1, await MetricAsync("handshake_timeout"));
    }

    [Fact]
    public async Task SilentClient_CutAtTimeout()
    {
        var closed = await SendAndWaitForCloseAsync([]);

        Assert.InRange(closed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(4));
        Assert.Equal(1, await MetricAsync("handshake_timeout"));
    }

    /// <summary>Sends <paramref name="bytes"/> and returns how long the proxy took to close the connection.</summary>
    private async Task<TimeSpan> SendAndWaitForCloseAsync(byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Port);
        var started = Stopwatch.StartNew();
        if (bytes.Length > 0)
        {
            await socket.SendAsync(bytes);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, timeout.Token) > 0)
            {
                // TLS alerts may come first; the end of the stream is what counts.
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }

        return started.Elapsed;
    }

    private async Task<long> MetricAsync(string reason)
    {
        var match = AdminLine().Match(_proxy.Output);
        Assert.True(match.Success, "no admin line:\n" + _proxy.Output);
        using var admin = new HttpClient { BaseAddress = new Uri(match.Groups["url"].Value), Timeout = TimeSpan.FromSeconds(10) };
        var series = $"fastproxy_tls_rejected_connections_total{{reason=\"{reason}\"}} ";

        // The counter is bumped right after the close; give it a moment.
        for (var attempt = 0; ; attempt++)
        {
            var text = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series, StringComparison.Ordinal));
            Assert.True(line is not null, "no " + series + " in:\n" + text);
            var value = long.Parse(line[series.Length..], CultureInfo.InvariantCulture);
            if (value > 0 || attempt == 20)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"fastproxy: admin on (?<url>http://\S+)", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdminLine();
}
