using System.Net;
using System.Net.Security;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Load sanity over HTTP/2: h2load (many streams per connection, several connections) over h2c and over TLS, and
/// HttpClient multiplexing 200 requests on one connection. Every request must succeed with a 2xx.
/// </summary>
public sealed partial class Http2LoadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _pki = null!;
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;
    private int _h2cPort;
    private int _tlsPort;

    public async Task InitializeAsync()
    {
        _pki = TestPkiFiles.Create();
        _upstream = await TestUpstream.StartAsync();
        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [
                { "address": "127.0.0.1:0", "protocol": "h2c" },
                { "address": "127.0.0.1:0", "protocol": "auto", "tls": { "certificate": "{{_pki.ServerChain}}", "key": "{{_pki.ServerKey}}" } }
              ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 10, "drain_seconds": 2 },
              "clusters": { "app": { "endpoints": [ "{{_upstream.Endpoint}}" ] } },
              "routes": [ { "id": "public", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
              "audit": { "enabled": false },
              "log": { "level": "warning" }
            }
            """);
        var ports = await _proxy.ListeningPortsAsync(2);
        (_h2cPort, _tlsPort) = (ports[0], ports[1]);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
        _pki.Dispose();
    }

    [Theory]
    [InlineData("http")]
    [InlineData("https")]
    public async Task H2load_5000Requests_8Connections_20Streams_AllSucceed(string scheme)
    {
        var port = string.Equals(scheme, "https", StringComparison.Ordinal) ? _tlsPort : _h2cPort;

        var (exit, text) = await CliTool.RunAsync("h2load", TimeSpan.FromSeconds(120), "-n", "5000", "-c", "8", "-m", "20", $"{scheme}://127.0.0.1:{port}/hello");
        output.WriteLine(text);

        Assert.True(exit == 0, text);
        Assert.Contains("Application protocol: h2", text, StringComparison.Ordinal);
        var requests = RequestsLine().Match(text);
        Assert.True(requests.Success, text);
        Assert.Equal("5000", requests.Groups["succeeded"].Value);
        Assert.Equal("0", requests.Groups["failed"].Value);
        Assert.Equal("0", requests.Groups["errored"].Value);
        Assert.Equal("0", requests.Groups["timeout"].Value);
        Assert.Contains("status codes: 5000 2xx, 0 3xx, 0 4xx, 0 5xx", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("https")]
    public async Task HttpClient_200ConcurrentRequestsOnOneConnection_AllSucceed(string scheme)
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = _pki.CustomTrustPolicy() },
            EnableMultipleHttp2Connections = false,
        };
        var port = string.Equals(scheme, "https", StringComparison.Ordinal) ? _tlsPort : _h2cPort;
        using var client = new HttpClient(handler)
        {
            BaseAddress = new Uri($"{scheme}://127.0.0.1:{port}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };

        async Task<string> OneAsync(int i)
        {
            using var response = await client.GetAsync(new Uri(i % 2 == 0 ? "/hello" : "/delay/50", UriKind.Relative));
            Assert.Equal(HttpVersion.Version20, response.Version);
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(OneAsync));

        Assert.Equal(100, results.Count(r => string.Equals(r, "200 hello from upstream", StringComparison.Ordinal)));
        Assert.Equal(100, results.Count(r => string.Equals(r, "200 delayed", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RequestsLine();
}
