using System.Net;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// TLS to upstreams end to end: the real binary forwards to Debian's nginx over TLS (an independent TLS stack),
/// verifying it against the test CA, presenting a client certificate, pooling the connection; a cluster that trusts
/// another CA, or expects another name, answers 502 with a log line naming why.
/// </summary>
public sealed partial class UpstreamTlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _pki = null!;
    private NginxTlsUpstream _nginx = null!;
    private ProxyProcess _proxy = null!;
    private HttpClient _client = null!;

    // Listens but never accepts: the kernel completes TCP connects, nobody ever answers a ClientHello.
    private readonly System.Net.Sockets.TcpListener _silent = new(IPAddress.Loopback, 0);

    public async Task InitializeAsync()
    {
        _pki = TestPkiFiles.Create();
        _nginx = await NginxTlsUpstream.StartAsync(_pki.ServerChain, _pki.ServerKey, _pki.ClientCa);
        var endpoint = _nginx.Endpoint;
        _silent.Start();
        var silent = _silent.LocalEndpoint.ToString();
        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 2 },
              "clusters": {
                "mtls": { "endpoints": [ "{{endpoint}}" ],
                          "tls": { "server_name": "localhost", "ca": "{{_pki.RootCa}}", "client_certificate": "{{_pki.ClientCert}}", "client_key": "{{_pki.ClientKey}}" } },
                "byip": { "endpoints": [ "{{endpoint}}" ], "tls": { "ca": "{{_pki.RootCa}}", "min_version": "1.3" } },
                "wrongca": { "endpoints": [ "{{endpoint}}" ], "tls": { "server_name": "localhost", "ca": "{{_pki.ClientCa}}" } },
                "wrongname": { "endpoints": [ "{{endpoint}}" ], "tls": { "server_name": "orders.internal", "ca": "{{_pki.RootCa}}" } },
                "stall": { "endpoints": [ "{{silent}}" ], "tls": { "server_name": "localhost", "ca": "{{_pki.RootCa}}" } }
              },
              "routes": [
                { "id": "mtls", "match": { "path": "/mtls/**" }, "cluster": "mtls", "public": true },
                { "id": "byip", "match": { "path": "/byip/**" }, "cluster": "byip", "public": true },
                { "id": "wrongca", "match": { "path": "/wrongca/**" }, "cluster": "wrongca", "public": true },
                { "id": "wrongname", "match": { "path": "/wrongname/**" }, "cluster": "wrongname", "public": true },
                { "id": "stall", "match": { "path": "/stall/**" }, "cluster": "stall", "public": true }
              ],
              "log": { "level": "information" }
            }
            """);
        _client = new HttpClient { BaseAddress = _proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        output.WriteLine(_nginx.ErrorLog);
        _client.Dispose();
        _silent.Stop();
        await _proxy.DisposeAsync();
        await _nginx.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task Request_TlsCluster_UpstreamSeesTls13SniAndClientCertificate()
    {
        var body = await _client.GetStringAsync(new Uri("/mtls/hello", UriKind.Relative));

        Assert.StartsWith("proto=TLSv1.3 sni=localhost client=SUCCESS subject=", body, StringComparison.Ordinal);
        Assert.Contains("CN=client", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_OneAfterAnother_ReuseOnePooledTlsConnection()
    {
        // nginx (OpenSSL) sends its TLS 1.3 session tickets after the handshake; the pause lets them arrive while the
        // connection sits in the pool, where the readability check must not mistake them for unsolicited bytes.
        var first = Parse(await _client.GetStringAsync(new Uri("/mtls/1", UriKind.Relative)));
        await Task.Delay(300);
        var connections = new HashSet<string>(StringComparer.Ordinal) { first.Connection };
        var last = first;
        for (var i = 2; i <= 5; i++)
        {
            last = Parse(await _client.GetStringAsync(new Uri($"/mtls/{i}", UriKind.Relative)));
            connections.Add(last.Connection);
        }

        Assert.True(connections.Count == 1, $"upstream connections used: {string.Join(", ", connections)}\n{_proxy.Output}");
        Assert.Equal(5, last.Requests);
    }

    [Fact]
    public async Task Request_IpEndpointWithoutServerName_VerifiedAgainstTheIpSan()
    {
        var body = await _client.GetStringAsync(new Uri("/byip/hello", UriKind.Relative));

        // No SNI for an IP literal (RFC 6066 §3); the certificate's IP SAN 127.0.0.1 is what was verified.
        Assert.StartsWith("proto=TLSv1.3 sni= client=NONE", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_UpstreamCertificateFromAnotherCa_502AndLogNamesUnknownCa()
    {
        using var response = await _client.GetAsync(new Uri("/wrongca/hello", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.True(await _proxy.WaitForOutputAsync($"TLS handshake with upstream {_nginx.Endpoint} (server name localhost) failed: certificate refused: unknown CA"), _proxy.Output);
    }

    [Fact]
    public async Task Request_UpstreamCertificateForAnotherName_502AndLogNamesMismatch()
    {
        using var response = await _client.GetAsync(new Uri("/wrongname/hello", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.True(await _proxy.WaitForOutputAsync("failed: certificate refused: name mismatch"), _proxy.Output);
        Assert.Contains("orders.internal", _proxy.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_UpstreamNeverAnswersTheHandshake_504WithinTheConnectTimeout()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await _client.GetAsync(new Uri("/stall/hello", UriKind.Relative));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), started.Elapsed.ToString());
        Assert.True(await _proxy.WaitForOutputAsync("not completed within 2000 ms"), _proxy.Output);
    }

    private static (string Connection, int Requests) Parse(string body)
    {
        var match = ConnectionFacts().Match(body);
        Assert.True(match.Success, body);
        return (match.Groups["conn"].Value, int.Parse(match.Groups["reqs"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"conn=(?<conn>\d+) reqs=(?<reqs>\d+)", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ConnectionFacts();
}
