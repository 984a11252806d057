using System.Net;
using System.Net.Security;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// HTTP/2 over TLS, chosen by ALPN: a TLS listener with <c>protocol: auto</c> offers h2 and http/1.1 and the client's
/// choice holds; one with <c>protocol: http1</c> offers http/1.1 alone. Driven by curl, openssl s_client and HttpClient.
/// </summary>
public sealed class Http2TlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _pki = null!;
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;
    private int _autoPort;
    private int _http1Port;

    public async Task InitializeAsync()
    {
        _pki = TestPkiFiles.Create();
        _upstream = await TestUpstream.StartAsync();
        var tls = $$"""{ "certificate": "{{_pki.ServerChain}}", "key": "{{_pki.ServerKey}}" }""";
        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [
                { "address": "127.0.0.1:0", "protocol": "auto", "tls": {{tls}} },
                { "address": "127.0.0.1:0", "protocol": "http1", "tls": {{tls}} }
              ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 2 },
              "clusters": { "app": { "endpoints": [ "{{_upstream.Endpoint}}" ] } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
              "log": { "level": "information" }
            }
            """);
        var ports = await _proxy.ListeningPortsAsync(2);
        (_autoPort, _http1Port) = (ports[0], ports[1]);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task Curl_Http2_AutoListener_NegotiatesH2()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http2", "--cacert", _pki.RootCa, "-w", "\n%{http_version} %{http_code}", $"https://127.0.0.1:{_autoPort}/hello");

        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream\n2 200", text);
    }

    [Fact]
    public async Task Curl_Http2_ForwardedProtoIsHttps()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http2", "--cacert", _pki.RootCa, "-w", "%{http_version}", $"https://127.0.0.1:{_autoPort}/public/headers");

        Assert.True(exit == 0, text);
        Assert.Contains("x-forwarded-proto: https\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\n2", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_Http11_AutoListener_GetsHttp11()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http1.1", "--cacert", _pki.RootCa, "-w", "\n%{http_version} %{http_code}", $"https://127.0.0.1:{_autoPort}/hello");

        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream\n1.1 200", text);
    }

    [Fact]
    public async Task Curl_Http2_Http1Listener_FallsBackToHttp11()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http2", "--cacert", _pki.RootCa, "-w", "\n%{http_version} %{http_code}", $"https://127.0.0.1:{_http1Port}/hello");

        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream\n1.1 200", text);
    }

    [Fact]
    public async Task SClient_AlpnH2_AutoListener_AgreesOnH2()
    {
        var (_, text) = await OpenSsl.SClientAsync(_autoPort, "", "-alpn", "h2", "-CAfile", _pki.RootCa);

        Assert.Contains("ALPN protocol: h2", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SClient_AlpnH2AndHttp11_Http1Listener_AgreesOnHttp11()
    {
        var (_, text) = await OpenSsl.SClientAsync(_http1Port, "", "-alpn", "h2,http/1.1", "-CAfile", _pki.RootCa);

        Assert.Contains("ALPN protocol: http/1.1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ALPN protocol: h2", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClient_Http2OverTls_GetAndPost()
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = _pki.CustomTrustPolicy() },
        };
        using var client = new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://127.0.0.1:{_autoPort}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20),
        };

        using (var get = await client.GetAsync(new Uri("/hello", UriKind.Relative)))
        {
            Assert.Equal(HttpVersion.Version20, get.Version);
            Assert.Equal("hello from upstream", await get.Content.ReadAsStringAsync());
        }

        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        using var post = await client.PostAsync(new Uri("/echo", UriKind.Relative), new ByteArrayContent(payload));
        Assert.Equal(HttpVersion.Version20, post.Version);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(payload, await post.Content.ReadAsByteArrayAsync());
    }
}
