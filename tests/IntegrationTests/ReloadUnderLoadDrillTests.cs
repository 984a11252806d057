using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// A reload loses nothing: SIGHUP reloads of a valid configuration while clients send continuously leave every
/// request answered. The clients are raw keep-alive loops that never retry, so a request the proxy drops (a
/// connection closed with a request on it, a request without an answer) is counted, not hidden by a client's retry.
/// </summary>
public sealed class ReloadUnderLoadDrillTests
{
    private const int Clients = 4;
    private const int Reloads = 5;

    [Fact]
    public async Task FiveReloadsUnderContinuousLoad_EveryRequestAnswered()
    {
        await using var upstream = await TestUpstream.StartAsync();
        // Short response and idle timeouts: the old configuration's clusters are retired (after response + idle
        // seconds) while the load still runs, so retiring is drilled too, not only the swap.
        var config = TestConfigs.PublicProxy(upstream.Endpoint, responseSeconds: 1).Replace("\"idle_seconds\": 10", "\"idle_seconds\": 1", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);
        await using var load = KeepAliveLoad.Start(proxy.BaseAddress.Port, Clients);

        await Task.Delay(500);
        for (var i = 0; i < Reloads; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(proxy.Directory, "fastproxy.json"), config);
            proxy.Signal("HUP");
            await Task.Delay(1000);
        }

        await Task.Delay(2500);
        var (sent, lost, _, failures) = await load.StopAsync();

        Assert.True(await proxy.WaitForOutputAsync("configuration reloaded"), proxy.Output);
        Assert.True(sent > 500, $"only {sent} requests were sent");
        Assert.True(lost == 0, $"{lost} of {sent} requests got no response:\n{string.Join('\n', failures)}\n{proxy.Output}");
    }
}
