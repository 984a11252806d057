using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The zero-trust gate over HTTP/2: the same JWT route as <see cref="GateTests"/> behind an h2c listener, what the
/// HTTP/1.1 upstream receives after the downgrade, and the audit record of an HTTP/2 request.
/// </summary>
public sealed class Http2GateTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestUpstream _upstream = null!;
    private TestIdentityProvider _idp = null!;
    private ProxyProcess _proxy = null!;

    private int Port => _proxy.BaseAddress.Port;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _idp = await TestIdentityProvider.StartAsync();
        var config = TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer)
            .Replace("""{ "address": "127.0.0.1:0" }""", """{ "address": "127.0.0.1:0", "protocol": "h2c" }""", StringComparison.Ordinal);
        Assert.Contains("\"h2c\"", config, StringComparison.Ordinal);
        _proxy = await ProxyProcess.StartAsync(config);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _idp.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task NoToken_401WithBearerChallenge_WrongRole_403_Reader_200()
    {
        using var client = H2cClient();

        using (var anonymous = await client.GetAsync(new Uri("/api/hello", UriKind.Relative)))
        {
            Assert.Equal(HttpVersion.Version20, anonymous.Version);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        }

        using (var writer = H2Request("/api/hello"))
        {
            writer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _idp.MintToken("bob", ["writer"]));
            using var response = await client.SendAsync(writer);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var reader = H2Request("/api/hello"))
        {
            reader.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _idp.MintToken("alice", ["reader"]));
            using var response = await client.SendAsync(reader);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("hello from upstream", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Curl_NoToken_401WithWwwAuthenticate()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http2-prior-knowledge", "-i", $"http://127.0.0.1:{Port}/api/hello");

        Assert.True(exit == 0, text);
        Assert.StartsWith("HTTP/2 401", text, StringComparison.Ordinal);
        Assert.Contains("www-authenticate: Bearer", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Upstream_SeesProxyFieldsAuthorityAsHostJoinedCookies_NoCredentialNoSpoofedFields()
    {
        var token = _idp.MintToken("alice", ["reader"]);

        var result = await PythonH2.SendAsync(Port, PythonH2.Stream("GET", "/api/headers", "app.test", body: null,
            ("authorization", "Bearer " + token),
            ("cookie", "a=1"),
            ("cookie", "b=2"),
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-proto", "https"),
            ("x-user", "admin"),
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")));

        var stream = result.Stream(1);
        Assert.True(stream.Status == 200, result.Raw);
        var body = stream.Body;
        Assert.Contains("host: app.test\n", body, StringComparison.Ordinal);
        Assert.Contains("cookie: a=1; b=2\n", body, StringComparison.Ordinal);
        Assert.Contains("x-forwarded-for: 127.0.0.1\n", body, StringComparison.Ordinal);
        Assert.Contains("x-forwarded-proto: http\n", body, StringComparison.Ordinal);
        Assert.Contains("x-forwarded-host: app.test\n", body, StringComparison.Ordinal);
        Assert.Contains("x-user: alice\n", body, StringComparison.Ordinal);
        Assert.Matches("x-request-id: [0-9a-f]{32}\n", body);
        Assert.Matches("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01\n", body);
        Assert.DoesNotContain("00f067aa0ba902b7", body, StringComparison.Ordinal);
        Assert.DoesNotContain("authorization", body, StringComparison.Ordinal);
        Assert.DoesNotContain(token, body, StringComparison.Ordinal);
        Assert.DoesNotContain("6.6.6.6", body, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", body, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", body, StringComparison.Ordinal);
        Assert.DoesNotContain("https", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicRoute_InboundIdentityField_Stripped()
    {
        using var client = H2cClient();
        using var request = H2Request("/public/headers");
        request.Headers.Add("X-User", "admin");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("x-user", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditRecord_OfHttp2Request_SaysHttp2()
    {
        using (var client = H2cClient())
        {
            using var request = H2Request("/api/audited-h2");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _idp.MintToken("alice", ["reader"]));
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpVersion.Version20, response.Version);
        }

        // No audit section: the default file sink next to the configuration; SIGTERM drains it.
        _proxy.Signal("TERM");
        Assert.Equal(0, await _proxy.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var lines = await File.ReadAllLinesAsync(Path.Combine(_proxy.Directory, "audit", "fastproxy-audit.jsonl"));
        var record = lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Single(r => r.TryGetProperty("path", out var path) && string.Equals(path.GetString(), "/api/audited-h2", StringComparison.Ordinal));

        Assert.Equal("HTTP/2", record.GetProperty("protocol").GetString());
        Assert.Equal("GET", record.GetProperty("method").GetString());
    }

    /// <summary>A request message of its own does not take the client's default version: HTTP/2 is asked for here.</summary>
    private static HttpRequestMessage H2Request(string path) => new(HttpMethod.Get, path)
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private HttpClient H2cClient() => new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{Port}"),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(20),
    };
}
