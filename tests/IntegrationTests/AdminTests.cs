using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FastProxy.Host.Admin;
using FastProxy.Host.Config;
using FastProxy.Host.Metrics;
using FastProxy.Host.Proxy;
using FastProxy.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The admin endpoint in front of a real, in-process <see cref="ProxyHost"/> (the `run` command
/// does not start it yet): scripted traffic through the gate shows up in /metrics, /readyz turns
/// 503 once the host drains, /config is the effective configuration, /.well-known/jwks.json the
/// proxy's assertion keys.
/// </summary>
public sealed class AdminTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private TestUpstream _upstream = null!;
    private TestIdentityProvider _idp = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _idp = await TestIdentityProvider.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _idp.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ScriptedTraffic_GateCountersInMetrics_PromtoolPasses()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var host = await StartHostAsync(cts.Token);
        using var metrics = new ProxyMetrics { Sources = MetricsSources.ForHost(host, () => new AuditCounterValues(0, 0, 0, 0)) };
        await using var admin = await AdminServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), AdminState.ForHost(host, metrics), NullLoggerFactory.Instance, cts.Token);
        using var proxy = new HttpClient { BaseAddress = new Uri($"http://{host.BoundEndPoints[0]}/"), Timeout = Timeout };
        using var adminClient = new HttpClient { BaseAddress = new Uri($"http://{admin.BoundEndPoint}/"), Timeout = Timeout };

        Assert.Equal(HttpStatusCode.OK, await SendAsync(proxy, "/api/hello", _idp.MintToken("alice", ["reader"]), cts.Token));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(proxy, "/api/headers", _idp.MintToken("bob", ["reader"]), cts.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(proxy, "/api/c", token: null, cts.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(proxy, "/api/d", _idp.MintToken("eve", ["writer"]), cts.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(proxy, "/api/e", _idp.MintToken("mallory", ["none"]), cts.Token));
        var text = await adminClient.GetStringAsync(new Uri("/metrics", UriKind.Relative), cts.Token);

        Assert.Equal(2, Value(text, "fastproxy_gate_decisions_total{result=\"allowed\"}"));
        Assert.Equal(1, Value(text, "fastproxy_gate_decisions_total{result=\"denied_401\"}"));
        Assert.Equal(2, Value(text, "fastproxy_gate_decisions_total{result=\"denied_403\"}"));
        Assert.Equal(0, Value(text, "fastproxy_config_reloads_total{result=\"failure\"}"));
        Assert.True(Value(text, "fastproxy_jwks_refreshes_total") >= 1, text);
        Assert.True(Value(text, $"fastproxy_upstream_connections_open{{cluster=\"app\",endpoint=\"{_upstream.Endpoint}\"}}") >= 1, text);
        Assert.True(Value(text, "fastproxy_active_connections") >= 1, text);
        var (exitCode, output) = await PromtoolCheckAsync(text, cts.Token);
        Assert.True(exitCode == 0, $"promtool check metrics:\n{output}\n{text}");
    }

    [Fact]
    public async Task Readyz_HostDraining_503_HealthzStill200()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var host = await StartHostAsync(cts.Token);
        await using var admin = await AdminServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), AdminState.ForHost(host, metrics: null), NullLoggerFactory.Instance, cts.Token);
        using var adminClient = new HttpClient { BaseAddress = new Uri($"http://{admin.BoundEndPoint}/"), Timeout = Timeout };

        using var before = await adminClient.GetAsync(new Uri("/readyz", UriKind.Relative), cts.Token);
        await host.StopAsync();
        using var after = await adminClient.GetAsync(new Uri("/readyz", UriKind.Relative), cts.Token);
        using var live = await adminClient.GetAsync(new Uri("/healthz", UriKind.Relative), cts.Token);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task ConfigAndJwks_Get_EffectiveConfigAndAssertionKeys()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var host = await StartHostAsync(cts.Token);
        await using var admin = await AdminServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), AdminState.ForHost(host, metrics: null), NullLoggerFactory.Instance, cts.Token);
        using var adminClient = new HttpClient { BaseAddress = new Uri($"http://{admin.BoundEndPoint}/"), Timeout = Timeout };

        using var config = JsonDocument.Parse(await adminClient.GetStringAsync(new Uri("/config", UriKind.Relative), cts.Token));
        using var jwks = JsonDocument.Parse(await adminClient.GetStringAsync(new Uri("/.well-known/jwks.json", UriKind.Relative), cts.Token));

        Assert.Equal(_idp.Issuer, config.RootElement.GetProperty("identity").GetProperty("providers")[0].GetProperty("issuer").GetString());
        Assert.Equal("api", config.RootElement.GetProperty("routes")[1].GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Array, jwks.RootElement.GetProperty("keys").ValueKind);
    }

    private async Task<ProxyHost> StartHostAsync(CancellationToken ct)
    {
        var loaded = ConfigLoader.LoadFromText(TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer), "admin-test.json", isYaml: false);
        Assert.True(loaded.Success, string.Join("\n", loaded.Errors));
        return await ProxyHost.StartAsync(loaded.Config!, new ProxyHostOptions(), NullLoggerFactory.Instance, ct);
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string path, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await client.SendAsync(request, ct);
        return response.StatusCode;
    }

    private static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(series.Length + 1), CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail($"no sample {series} in:\n{text}");
        return double.NaN;
    }

    private static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string exposition, CancellationToken ct)
    {
        var promtool = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "promtool"))
            .FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool not found on PATH: install the Debian package 'prometheus' (apt-get install -y prometheus).");
        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardInput.WriteAsync(exposition.AsMemory(), ct);
        process.StandardInput.Close();
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout + await stderr);
    }
}
