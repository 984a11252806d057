using System.Net;
using System.Net.Sockets;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task UpstreamDown_Gets502()
    {
        // A port that was free a moment ago: nothing listens there.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy($"127.0.0.1:{port}"));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        using var response = await client.GetAsync("/anything");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.True(await proxy.WaitForOutputAsync("connect failed"), proxy.Output);
    }

    [Fact]
    public async Task Sigterm_WhileIdle_ExitsZero()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(upstream.Endpoint));
        using (var client = new HttpClient { BaseAddress = proxy.BaseAddress })
        {
            Assert.Equal("hello from upstream", await client.GetStringAsync("/hello"));
        }

        proxy.Signal("TERM");
        Assert.Equal(0, await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task NoRoute_Gets404()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var config = TestConfigs.PublicProxy(upstream.Endpoint).Replace("\"path\": \"/**\"", "\"path\": \"/only/**\"", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        using var response = await client.GetAsync("/hello");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
