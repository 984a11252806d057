using System.Net;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// An operator saves a broken configuration and sends SIGHUP while traffic flows: first a YAML syntax error, then a
/// document that parses but means nothing (a route to a cluster that does not exist). Each reload is rejected with an
/// error naming the file and the line, counted as a failed reload, and the old configuration keeps serving every
/// request; the fixed file then reloads fine.
/// </summary>
public sealed class BrokenReloadDrillTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task BrokenConfigsReloadedUnderLoad_Rejected_OldConfigServesEveryRequest_FixedConfigReloads()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartWithFileAsync("fastproxy.yaml", Config(upstream.Endpoint, "app", extraRoute: false));
        using var admin = new AdminMetrics(proxy);
        await using var load = KeepAliveLoad.Start(proxy.BaseAddress.Port);
        Assert.True(await load.WaitForRequestsAsync(100, StepTimeout), "the load did not start\n" + proxy.Output);

        // 1. A syntax error: a flow sequence that is never closed (line 6 of the file).
        var syntax = Config(upstream.Endpoint, "app", extraRoute: false).Replace("endpoints: [ \"", "endpoints: [ [ \"", StringComparison.Ordinal);
        await ReloadAsync(proxy, syntax);
        Assert.True(await proxy.WaitForOutputAsync("reload rejected", StepTimeout), "the syntax error was not rejected:\n" + proxy.Output);
        Assert.True(await proxy.WaitForOutputAsync(proxy.ConfigPath, StepTimeout), "the error does not name the file:\n" + proxy.Output);
        Assert.Matches(@"fastproxy\.yaml.*\(line \d+\)|fastproxy\.yaml:\d+", ErrorLines(proxy));
        var (counted, metrics) = await admin.WaitForSampleAsync("fastproxy_config_reloads_total", v => v >= 1, StepTimeout, ("result", "failure"));
        Assert.True(counted, "the rejected reload was not counted:\n" + metrics);
        Assert.True(await load.WaitForRequestsAsync(100, StepTimeout), "the load stalled after the rejected reload\n" + proxy.Output);
        var failuresAfterSyntax = AdminMetrics.Sample(metrics, "fastproxy_config_reloads_total", ("result", "failure"))!.Value;

        // 2. Valid YAML, wrong meaning: the route names a cluster that does not exist.
        var errorsBefore = ErrorLines(proxy).Length;
        await ReloadAsync(proxy, Config(upstream.Endpoint, "nope", extraRoute: false));
        Assert.True(await WaitAsync(() => ErrorLines(proxy)[errorsBefore..].Contains("unknown cluster 'nope' (line 11)", StringComparison.Ordinal)), "the unknown cluster was not named with its line:\n" + proxy.Output);
        (counted, metrics) = await admin.WaitForSampleAsync("fastproxy_config_reloads_total", v => v > failuresAfterSyntax, StepTimeout, ("result", "failure"));
        Assert.True(counted, "the second rejected reload was not counted:\n" + metrics);
        Assert.Equal(0, AdminMetrics.Sample(metrics, "fastproxy_config_reloads_total", ("result", "success")));
        Assert.True(await load.WaitForRequestsAsync(100, StepTimeout), "the load stalled after the second rejected reload\n" + proxy.Output);

        // The admin endpoint still reports the configuration that serves: the old one.
        var effective = await admin.Client.GetStringAsync(new Uri("/config", UriKind.Relative));
        Assert.DoesNotContain("nope", effective, StringComparison.Ordinal);
        Assert.DoesNotContain("fixed", effective, StringComparison.Ordinal);
        using (var ready = await admin.Client.GetAsync(new Uri("/readyz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // 3. The operator fixes the file (and adds a route): it reloads and serves.
        await ReloadAsync(proxy, Config(upstream.Endpoint, "app", extraRoute: true));
        (counted, metrics) = await admin.WaitForSampleAsync("fastproxy_config_reloads_total", v => v >= 1, StepTimeout, ("result", "success"));
        Assert.True(counted, "the fixed configuration was not reloaded:\n" + metrics + "\n" + proxy.Output);
        Assert.True(await proxy.WaitForOutputAsync("configuration reloaded", StepTimeout), proxy.Output);
        effective = await admin.Client.GetStringAsync(new Uri("/config", UriKind.Relative));
        Assert.Contains("fixed", effective, StringComparison.Ordinal);
        Assert.True(await load.WaitForRequestsAsync(100, StepTimeout), "the load stalled after the good reload\n" + proxy.Output);

        var (sent, lost, failed, failures) = await load.StopAsync();
        Assert.True(sent > 300, $"only {sent} requests were sent");
        Assert.True(lost == 0 && failed == 0, $"{lost} lost and {failed} failed of {sent}:\n{string.Join('\n', failures)}\n{proxy.Output}");
        Assert.DoesNotContain("Unhandled", proxy.Output, StringComparison.Ordinal);
    }

    private static async Task ReloadAsync(ProxyProcess proxy, string config)
    {
        await File.WriteAllTextAsync(proxy.ConfigPath, config);
        proxy.Signal("HUP");
    }

    /// <summary>The lines the loader printed about the configuration file ("fastproxy: /path/fastproxy.yaml: ...").</summary>
    private static string ErrorLines(ProxyProcess proxy) =>
        string.Join('\n', proxy.Output.Split('\n').Where(l => l.Contains("fastproxy.yaml", StringComparison.Ordinal)));

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>The YAML configuration; line 11 holds the route's cluster (the semantic error's line).</summary>
    private static string Config(string upstream, string cluster, bool extraRoute)
    {
        var extra = extraRoute
            ? "\n  - id: fixed\n    match: { path: /fixed/** }\n    cluster: app\n    public: true"
            : "";
        return $"""
            listeners:
              - address: 127.0.0.1:0
            timeouts: {"{"} header_seconds: 5, idle_seconds: 10, connect_seconds: 2, response_seconds: 5, drain_seconds: 5 {"}"}
            clusters:
              app:
                endpoints: [ "{upstream}" ]
            routes:
              - id: all
                match:
                  path: /**
                cluster: {cluster}
                public: true{extra}
            admin: {"{"} address: 127.0.0.1:0 {"}"}
            log: {"{"} level: information {"}"}
            """;
    }
}
