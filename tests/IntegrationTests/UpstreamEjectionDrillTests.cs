using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Passive health never leaves a cluster with nothing to try: the only endpoint of a cluster, ejected while its
/// service was down, takes requests again as soon as the service is back (not after the whole ejection).
/// </summary>
public sealed partial class UpstreamEjectionDrillTests
{
    [Fact]
    public async Task OnlyEndpointEjectedWhileDown_ServiceBack_NextRequestServed()
    {
        var port = FreePort();
        var config = $$"""
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "admin": { "address": "127.0.0.1:0" },
              "timeouts": { "header_seconds": 2, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 5 },
              "clusters": { "app": { "endpoints": [ "127.0.0.1:{{port}}" ], "eject_after_failures": 3, "eject_seconds": 30 } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
              "log": { "level": "information" }
            }
            """;
        await using var proxy = await ProxyProcess.StartAsync(config);
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };

        // The service is down: connects are refused until the endpoint is ejected.
        for (var i = 0; i < 3; i++)
        {
            using var refused = await client.PostAsync("/hello", new StringContent("x"));
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        }

        Assert.True(await proxy.WaitForOutputAsync("ejected for"), proxy.Output);

        // Back well within the 30 s ejection: the next request goes to it (panic mode) and its success ends the ejection.
        await using var upstream = await TestUpstream.StartAsync(port);
        Assert.Equal("hello from upstream", await client.GetStringAsync("/hello"));
        Assert.True(await proxy.WaitForOutputAsync("back in rotation"), proxy.Output);
        Assert.Equal("hello from upstream", await client.GetStringAsync("/hello"));

        var admin = AdminLine().Match(proxy.Output);
        Assert.True(admin.Success, "no 'fastproxy: admin on' line:\n" + proxy.Output);
        var metrics = await client.GetStringAsync(new Uri(new Uri(admin.Groups["url"].Value), "/metrics"));
        Assert.Contains("fastproxy_upstream_panic_picks_total{cluster=\"app\"} ", metrics, StringComparison.Ordinal);
        Assert.Contains("fastproxy_upstream_endpoint_ejected{cluster=\"app\",endpoint=\"127.0.0.1:" + port + "\"} 0", metrics, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^fastproxy: admin on (?<url>http://\S+)", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdminLine();

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
