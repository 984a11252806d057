using System.Diagnostics;
using System.Net;
using FastProxy.Core.Upstream;
using FastProxy.Host.Metrics;
using FastProxy.Host.Proxy;
using FastProxy.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Host.Tests.Metrics;

/// <summary>
/// The exposition checked by Prometheus' own linter, `promtool check metrics` (Debian package
/// `prometheus`; CI installs it). A missing promtool fails the test: it is the evidence the issue
/// asks for, so it must not silently skip.
/// </summary>
public class ProxyMetricsPromtoolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ToPrometheusText_EveryFamilyPopulated_PassesPromtool()
    {
        await using var cluster = new UpstreamCluster("app", [new IPEndPoint(IPAddress.Loopback, 9)], BalancePolicy.LeastRequests, new UpstreamPoolOptions(), TimeProvider.System, NullLogger.Instance);
        using var metrics = ProxyMetricsTests.ScriptedMetrics();
        metrics.Sources = new MetricsSources
        {
            ActiveConnections = () => 3,
            Clusters = () => [cluster],
            Policy = new PolicyCounters { Allowed = 4, Denied401 = 1, CacheHits = 2 },
            Host = new HostCounters { ReloadsSucceeded = 1, ReloadsFailed = 1 },
            Audit = () => new AuditCounterValues(10, 1, 1, 0),
            RateLimited = (new FastProxy.Core.Limits.RateLimitedRequests(), new FastProxy.Core.Limits.RateLimitedRequests()),
        };

        var (exitCode, output) = await PromtoolCheckAsync(metrics.ToPrometheusText());

        Assert.True(exitCode == 0, $"promtool check metrics failed ({exitCode}):\n{output}");
    }

    [Fact]
    public async Task ToPrometheusText_UpstreamQueueRejectionCounted_PassesPromtool()
    {
        using var listen = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listen.Listen(8);
        await using var cluster = new UpstreamCluster("app", [listen.LocalEndPoint!], BalancePolicy.RoundRobin, new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 1, MaxPendingRequestsPerEndpoint = 0 }, TimeProvider.System, NullLogger.Instance);
        using var metrics = new ProxyMetrics { Sources = new MetricsSources { Clusters = () => [cluster] } };
        var busy = await cluster.Endpoints[0].AcquireAsync(CancellationToken.None);
        await Assert.ThrowsAsync<UpstreamQueueFullException>(async () => await cluster.Endpoints[0].AcquireAsync(CancellationToken.None));
        var text = metrics.ToPrometheusText();
        Assert.Contains("fastproxy_upstream_queue_rejections_total{", text, StringComparison.Ordinal);

        var (exitCode, output) = await PromtoolCheckAsync(text);

        Assert.True(exitCode == 0, $"promtool check metrics failed ({exitCode}):\n{output}");
        cluster.Endpoints[0].Release(busy, reusable: false);
    }

    [Fact]
    public async Task ToPrometheusText_Empty_PassesPromtool()
    {
        using var metrics = new ProxyMetrics();

        var (exitCode, output) = await PromtoolCheckAsync(metrics.ToPrometheusText());

        Assert.True(exitCode == 0, $"promtool check metrics failed ({exitCode}):\n{output}");
    }

    [Fact]
    public async Task Promtool_BrokenExposition_Fails()
    {
        // The check above is only evidence if promtool does reject bad text.
        var (exitCode, _) = await PromtoolCheckAsync("# TYPE x counter\nx{a=\"unterminated} 1\n");

        Assert.NotEqual(0, exitCode);
    }

    internal static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string exposition)
    {
        var promtool = FindPromtool();
        Assert.True(promtool is not null, "promtool not found on PATH: install the Debian package 'prometheus' (apt-get install -y prometheus); CI's test.sh does.");
        var start = new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        await process.StandardInput.WriteAsync(exposition.AsMemory(), cts.Token);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string? FindPromtool()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "promtool");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
