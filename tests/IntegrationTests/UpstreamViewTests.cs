using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The gate sees what the upstream will act on (issue 10, item 5), over real sockets with the
/// request bytes written by hand (HttpClient would join repeated headers): a repeated header a
/// rule compares, a trailing slash after an exact route, a path in another case on a
/// case-insensitive route, a host with a trailing dot, a method in lower case.
/// </summary>
public sealed class UpstreamViewTests : IAsyncLifetime
{
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _proxy = await ProxyProcess.StartAsync(Config(_upstream.Endpoint));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task RepeatedHeader_RuleComparesIt_400WhicheverCopyComesFirst()
    {
        Assert.Equal(400, await StatusAsync("GET /hello HTTP/1.1\r\nHost: app.test\r\nX-Tenant: a\r\nX-Tenant: admin\r\n"));
        Assert.Equal(400, await StatusAsync("GET /hello HTTP/1.1\r\nHost: app.test\r\nX-Tenant: admin\r\nx-tenant: a\r\n"));
        Assert.Equal(403, await StatusAsync("GET /hello HTTP/1.1\r\nHost: app.test\r\nX-Tenant: admin\r\n"));
        Assert.Equal(200, await StatusAsync("GET /hello HTTP/1.1\r\nHost: app.test\r\nX-Tenant: a\r\n"));
    }

    [Fact]
    public async Task UnderscoreSpellingOfAComparedHeader_SeenByTheRule_AndCountedAsARepeat()
    {
        // CGI, WSGI, Rack and PHP read X_Tenant as X-Tenant (HTTP_X_TENANT).
        Assert.Equal(403, await StatusAsync("GET /hello HTTP/1.1\r\nHost: app.test\r\nX_Tenant: admin\r\n"));
        Assert.Equal(400, await StatusAsync("GET /hello HTTP/1.1\r\nHost: app.test\r\nX-Tenant: a\r\nx_tenant: admin\r\n"));
    }

    [Theory]
    [InlineData("/secret")]
    [InlineData("/secret/")]
    public async Task ExactRoute_TrailingSlash_SameRoute(string path)
        => Assert.Equal(403, await StatusAsync($"GET {path} HTTP/1.1\r\nHost: app.test\r\n"));

    [Theory]
    [InlineData("/admin/users")]
    [InlineData("/ADMIN/users")]
    [InlineData("/Admin")]
    public async Task CaseInsensitiveRoute_OtherCase_SameRoute(string path)
        => Assert.Equal(403, await StatusAsync($"GET {path} HTTP/1.1\r\nHost: app.test\r\n"));

    [Theory]
    [InlineData("internal.test")]
    [InlineData("internal.test.")]
    [InlineData("INTERNAL.test.")]
    public async Task HostWithTrailingDot_SameRoute(string host)
        => Assert.Equal(403, await StatusAsync($"GET /hello HTTP/1.1\r\nHost: {host}\r\n"));

    [Fact]
    public async Task LowerCaseMethod_RouteListsMethods_405()
    {
        Assert.Equal(405, await StatusAsync("delete /orders/7 HTTP/1.1\r\nHost: app.test\r\n"));
        Assert.Equal(403, await StatusAsync("DELETE /orders/7 HTTP/1.1\r\nHost: app.test\r\n"));
    }

    private async Task<int> StatusAsync(string head)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_proxy.BaseAddress.Host, _proxy.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head + "Connection: close\r\n\r\n"), SocketFlags.None);
        var response = await ForwardingTests.ReadToEndAsync(socket);
        Assert.StartsWith("HTTP/1.1 ", response, StringComparison.Ordinal);
        return int.Parse(response.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Public routes whose deny rules mark them (403), in front of a catch-all to the upstream.</summary>
    private static string Config(string upstream) => $$"""
        {
          "listeners": [ { "address": "127.0.0.1:0" } ],
          "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 5 },
          "clusters": { "app": { "endpoints": [ "{{upstream}}" ] } },
          "routes": [
            { "id": "internal", "match": { "host": "internal.test", "path": "/**" }, "cluster": "app", "public": true,
              "deny": [ { "path": "/**" } ] },
            { "id": "secret", "match": { "path": "/secret" }, "cluster": "app", "public": true, "deny": [ { "path": "/**" } ] },
            { "id": "admin", "match": { "path": "/admin/**" }, "case_insensitive_paths": true, "cluster": "app", "public": true,
              "deny": [ { "path": "/admin/**" } ] },
            { "id": "orders", "match": { "path": "/orders/**", "methods": [ "GET", "DELETE" ] }, "cluster": "app", "public": true,
              "deny": [ { "method": [ "DELETE" ] } ] },
            { "id": "hello", "match": { "path": "/hello" }, "cluster": "app", "public": true,
              "deny": [ { "header": "x-tenant", "equals": "admin" } ] },
            { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true }
          ],
          "log": { "level": "information" }
        }
        """;
}
