using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Operating the real binary: SIGHUP reload under wrk load loses no request, a bad configuration
/// on reload leaves the old one serving, and SIGTERM drains requests in flight and exits 0.
/// </summary>
public sealed partial class OperationsTests(ITestOutputHelper output)
{
    private const string Reloaded = "configuration reloaded";
    private const string ReloadRejected = "configuration reload rejected";

    /// <summary>Drain deadline of the drain test's proxy (TestConfigs.PublicProxy uses 5 s).</summary>
    private const double DrainSeconds = 5;

    /// <summary>How long the drain test's upstream holds each request: in flight across SIGTERM, well inside the drain deadline.</summary>
    private static readonly TimeSpan SlowResponse = TimeSpan.FromSeconds(2.5);

    [Fact]
    public async Task Reload_SighupWhileWrkLoads_NoRequestLostAndNewRouteServes()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(RoutesConfig(upstream.Endpoint, withApiRoute: false));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var api = new Uri(proxy.BaseAddress, "/api/hello");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(api)).StatusCode);

        var wrk = StartWrk(new Uri(proxy.BaseAddress, "/hello"), TimeSpan.FromSeconds(6));
        using var wrkProcess = wrk.Process;
        try
        {
            // Let wrk's connections open and settle into keep-alive traffic before reloading.
            await Task.Delay(TimeSpan.FromSeconds(1.5));

            // A changed file (the file watcher sees it too; the two requests coalesce) ...
            await File.WriteAllTextAsync(ConfigPath(proxy), RoutesConfig(upstream.Endpoint, withApiRoute: true));
            proxy.Signal("HUP");
            Assert.True(await WaitForCountAsync(proxy, Reloaded, 1, TimeSpan.FromSeconds(5)), "no reload after the file changed and SIGHUP:\n" + proxy.Output);

            // ... and a bare SIGHUP with the file unchanged: the signal alone reloads. Wait out the
            // trigger's settle window first, so a late second reload of the file change is not
            // mistaken for the signal's.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var before = Count(proxy.Output, Reloaded);
            proxy.Signal("HUP");
            Assert.True(await WaitForCountAsync(proxy, Reloaded, before + 1, TimeSpan.FromSeconds(5)), "SIGHUP alone did not reload:\n" + proxy.Output);
            Assert.False(wrk.Process.HasExited, "wrk finished before the reloads happened; they were not under load");
        }
        finally
        {
            await wrk.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        output.WriteLine(wrk.Output);
        var result = WrkResult.Parse(wrk.Output);
        var context = $"\nwrk:\n{wrk.Output}\nproxy:\n{proxy.Output}";
        Assert.True(wrk.Process.ExitCode == 0, "wrk failed" + context);
        Assert.True(result.Requests > 100, "wrk sent too few requests to mean anything" + context);
        Assert.True(result.Status == 0, $"{result.Status} responses were not 2xx/3xx" + context);
        Assert.True(result.SocketErrors == 0, $"socket errors: connect {result.Connect}, read {result.Read}, write {result.Write}, timeout {result.Timeout}" + context);
        Assert.DoesNotContain(ReloadRejected, proxy.Output, StringComparison.Ordinal);

        var after = await client.GetAsync(api);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("hello from upstream", await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reload_StartedUnderNohup_SighupStillReloads()
    {
        // nohup leaves SIGHUP ignored, and .NET keeps an inherited "ignore": without taking it back, kill -HUP would
        // silently do nothing to a proxy started that way.
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartUnderAsync("nohup", RoutesConfig(upstream.Endpoint, withApiRoute: false));
        Assert.True(await WaitForCountAsync(proxy, "SIGHUP was inherited as ignored", 1, TimeSpan.FromSeconds(10)), "no word of the inherited SIG_IGN:\n" + proxy.Output);

        proxy.Signal("HUP");

        Assert.True(await WaitForCountAsync(proxy, Reloaded, 1, TimeSpan.FromSeconds(10)), "SIGHUP did not reload a proxy started under nohup:\n" + proxy.Output);
        proxy.Signal("HUP");
        Assert.True(await WaitForCountAsync(proxy, Reloaded, 2, TimeSpan.FromSeconds(10)), "a second SIGHUP did not reload:\n" + proxy.Output);
    }

    [Fact]
    public async Task Reload_InvalidConfig_RejectedWithPreciseErrorAndOldConfigServes()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(RoutesConfig(upstream.Endpoint, withApiRoute: false));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var hello = new Uri(proxy.BaseAddress, "/hello");

        // Valid JSON, wrong meaning: the second route names a cluster that does not exist.
        await File.WriteAllTextAsync(ConfigPath(proxy), RoutesConfig(upstream.Endpoint, withApiRoute: true, apiCluster: "nope"));
        proxy.Signal("HUP");

        Assert.True(await proxy.WaitForOutputAsync(ReloadRejected, TimeSpan.FromSeconds(5)), "the bad configuration was not rejected:\n" + proxy.Output);
        // The precise error goes to stderr, the rejection line to stdout: the two streams reach
        // the test in either order, so wait for the error rather than expect it already read.
        Assert.True(
            await proxy.WaitForOutputAsync("fastproxy.json: routes[1].cluster: unknown cluster 'nope'", TimeSpan.FromSeconds(5)),
            "the rejection did not name the bad field:\n" + proxy.Output);
        Assert.DoesNotContain("routes[0]", proxy.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Reloaded, proxy.Output, StringComparison.Ordinal);
        for (var i = 0; i < 20; i++)
        {
            var response = await client.GetAsync(hello);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"request {i} after the rejected reload: {(int)response.StatusCode}\n{proxy.Output}");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri(proxy.BaseAddress, "/api/hello"))).StatusCode);

        // Broken syntax is refused the same way, and a fixed file is still taken afterwards.
        await Task.Delay(TimeSpan.FromSeconds(1)); // the trigger's settle window: no late rejection of the first file counts below
        var rejected = Count(proxy.Output, ReloadRejected);
        await File.WriteAllTextAsync(ConfigPath(proxy), "{ \"listeners\": [ ");
        proxy.Signal("HUP");
        Assert.True(await WaitForCountAsync(proxy, ReloadRejected, rejected + 1, TimeSpan.FromSeconds(5)), "the unparsable configuration was not rejected:\n" + proxy.Output);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(hello)).StatusCode);

        await File.WriteAllTextAsync(ConfigPath(proxy), RoutesConfig(upstream.Endpoint, withApiRoute: true));
        proxy.Signal("HUP");
        Assert.True(await proxy.WaitForOutputAsync(Reloaded, TimeSpan.FromSeconds(5)), "the fixed configuration was not taken:\n" + proxy.Output);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(proxy.BaseAddress, "/api/hello"))).StatusCode);
    }

    [Fact]
    public async Task Drain_SigtermWithRequestsInFlight_TheyCompleteNewConnectionsRefusedExitZero()
    {
        const int inFlight = 4;
        await using var upstream = await SlowUpstream.StartAsync(SlowResponse);
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(upstream.Endpoint, responseSeconds: 10));
        var port = proxy.BaseAddress.Port;

        // One client per request: each on its own connection, as separate callers would be.
        var clients = Enumerable.Range(0, inFlight).Select(_ => new HttpClient { Timeout = TimeSpan.FromSeconds(15) }).ToList();
        try
        {
            var requests = clients.Select(c => c.GetAsync(new Uri(proxy.BaseAddress, "/slow"))).ToList();
            Assert.True(await upstream.WaitForInFlightAsync(inFlight, TimeSpan.FromSeconds(10)), $"the upstream saw {upstream.InFlight} of {inFlight} requests:\n{proxy.Output}");

            var clock = Stopwatch.StartNew();
            proxy.Signal("TERM");

            // The listening socket closes promptly; from then on a connect is refused.
            var refusedAfter = await WaitUntilRefusedAsync(port, TimeSpan.FromSeconds(2));
            Assert.True(refusedAfter is not null, "new connections were still accepted 2 s after SIGTERM:\n" + proxy.Output);
            Assert.True(upstream.Completed == 0, "the check for refused connections must happen while requests are in flight");

            foreach (var request in requests)
            {
                var response = await request.WaitAsync(TimeSpan.FromSeconds(10));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"an in-flight request ended with {(int)response.StatusCode}:\n{proxy.Output}");
                Assert.Equal("late", await response.Content.ReadAsStringAsync());
            }

            var exitCode = await proxy.WaitForExitAsync(TimeSpan.FromSeconds(DrainSeconds + 5));
            clock.Stop();
            output.WriteLine($"SIGTERM -> connections refused after {refusedAfter!.Value.TotalMilliseconds:F0} ms; {inFlight} in-flight requests answered 200; exit {exitCode} after {clock.Elapsed.TotalSeconds:F2} s (drain deadline {DrainSeconds} s)");
            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{proxy.Output}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(DrainSeconds), $"exited {clock.Elapsed.TotalSeconds:F1} s after SIGTERM; the drain deadline is {DrainSeconds} s:\n{proxy.Output}");
            Assert.DoesNotContain("Drain timeout passed", proxy.Output, StringComparison.Ordinal);
            Assert.Equal(inFlight, upstream.Completed);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task Drain_SigtermDuringKeepAliveTraffic_NoErrorStatusNoHangExitZero()
    {
        const int workers = 4;
        await using var upstream = await SlowUpstream.StartAsync(SlowResponse);
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(upstream.Endpoint));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var fast = new Uri(proxy.BaseAddress, "/fast");
        var ok = 0;
        var refusedOrClosed = 0;
        var errorsBeforeSigterm = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var badStatuses = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var hangs = 0;
        var sigtermSent = false;
        using var stop = new CancellationTokenSource();

        // Keep-alive callers that keep sending through the shutdown: every request must either
        // be answered 200 or fail at the transport (connection closed or refused), never be
        // answered with an error status and never hang.
        var loops = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(fast, CancellationToken.None);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        badStatuses.Enqueue((int)response.StatusCode);
                    }
                }
                catch (HttpRequestException ex)
                {
                    if (!Volatile.Read(ref sigtermSent))
                    {
                        errorsBeforeSigterm.Enqueue(ex.Message);
                    }

                    Interlocked.Increment(ref refusedOrClosed);
                    await Task.Delay(10, CancellationToken.None);
                }
                catch (TaskCanceledException)
                {
                    Interlocked.Increment(ref hangs);
                }
            }
        })).ToList();

        try
        {
            var warmup = Stopwatch.StartNew();
            while (Volatile.Read(ref ok) < 200 && warmup.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(10);
            }

            Assert.True(Volatile.Read(ref ok) >= 200, $"only {ok} requests succeeded before SIGTERM:\n{proxy.Output}");
            var clock = Stopwatch.StartNew();
            Volatile.Write(ref sigtermSent, true);
            proxy.Signal("TERM");
            var exitCode = await proxy.WaitForExitAsync(TimeSpan.FromSeconds(DrainSeconds + 5));
            clock.Stop();
            await stop.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(10));

            output.WriteLine($"{ok} requests answered 200, {refusedOrClosed} refused/closed at the transport after SIGTERM, {badStatuses.Count} error statuses, {hangs} hangs; exit {exitCode} after {clock.Elapsed.TotalSeconds:F2} s");
            Assert.True(errorsBeforeSigterm.IsEmpty, "transport errors before SIGTERM: " + string.Join("; ", errorsBeforeSigterm));
            Assert.True(badStatuses.IsEmpty, "error statuses during the drain: " + string.Join(", ", badStatuses) + "\n" + proxy.Output);
            Assert.True(hangs == 0, $"{hangs} requests hung until the client timeout:\n{proxy.Output}");
            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{proxy.Output}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(DrainSeconds), $"exited {clock.Elapsed.TotalSeconds:F1} s after SIGTERM; the drain deadline is {DrainSeconds} s:\n{proxy.Output}");
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    [Fact]
    public async Task Drain_SigtermWhileIdle_ExitsZeroPromptly()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(upstream.Endpoint));
        using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            // A keep-alive connection stays open and idle: draining must close it, not wait for it.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(proxy.BaseAddress, "/hello"))).StatusCode);
            var clock = Stopwatch.StartNew();
            proxy.Signal("TERM");

            var exitCode = await proxy.WaitForExitAsync(TimeSpan.FromSeconds(DrainSeconds + 5));

            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{proxy.Output}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(DrainSeconds), $"an idle proxy took {clock.Elapsed.TotalSeconds:F1} s to stop:\n{proxy.Output}");
        }
    }

    private static string ConfigPath(ProxyProcess proxy) => Path.Combine(proxy.Directory, "fastproxy.json");

    /// <summary>Public routes to <paramref name="upstream"/>: /hello, and /api/** when <paramref name="withApiRoute"/>.</summary>
    private static string RoutesConfig(string upstream, bool withApiRoute, string apiCluster = "app")
    {
        var api = withApiRoute ? $$""", { "id": "api", "match": { "path": "/api/**" }, "public": true, "cluster": "{{apiCluster}}" }""" : "";
        return $$"""
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 30, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 5 },
              "clusters": { "app": { "endpoints": [ "{{upstream}}" ] } },
              "routes": [ { "id": "hello", "match": { "path": "/hello" }, "public": true, "cluster": "app" }{{api}} ],
              "log": { "level": "information" }
            }
            """;
    }

    private static async Task<bool> WaitForCountAsync(ProxyProcess proxy, string text, int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!cts.IsCancellationRequested)
        {
            if (Count(proxy.Output, text) >= count)
            {
                return true;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return Count(proxy.Output, text) >= count;
    }

    private static int Count(string haystack, string needle)
    {
        var count = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Connects repeatedly until the port refuses; returns how long that took, or null if it never did.</summary>
    private static async Task<TimeSpan?> WaitUntilRefusedAsync(int port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), attempt.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // Reset: the connect landed in the backlog of a listening socket that then closed
                // (the kernel resets what it had queued) -- refused all the same.
                return clock.Elapsed;
            }

            await Task.Delay(20);
        }

        return null;
    }

    /// <summary>Starts wrk (HTTP/1.1 keep-alive load) with a Lua done() hook that prints its counters on one line.</summary>
    private static WrkRun StartWrk(Uri url, TimeSpan duration)
    {
        var script = Path.Combine(Path.GetTempPath(), "fastproxy-wrk-" + Guid.NewGuid().ToString("N") + ".lua");
        File.WriteAllText(script, """
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("WRK_RESULT requests=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
                summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
            end
            """);
        var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-t", "2", "-c", "16", "-d", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s", "--timeout", "5s", "--latency", "-s", script, url.ToString() })
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("wrk is not installed (apt-get install -y wrk; test.sh installs it)", ex);
        }

        var output = new OutputBuffer();
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.Exited += (_, _) => File.Delete(script);
        process.EnableRaisingEvents = true;
        return new WrkRun(process, output);
    }

    [GeneratedRegex(@"WRK_RESULT requests=(?<requests>\d+) connect=(?<connect>\d+) read=(?<read>\d+) write=(?<write>\d+) status=(?<status>\d+) timeout=(?<timeout>\d+)", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex WrkResultLine();

    /// <summary>A running wrk and everything it printed.</summary>
    private sealed record WrkRun(Process Process, OutputBuffer Captured)
    {
        public string Output => Captured.ToString();
    }

    /// <summary>Thread-safe line collector for a child process's output.</summary>
    private sealed class OutputBuffer
    {
        private readonly System.Text.StringBuilder _text = new();

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_text)
            {
                _text.AppendLine(line);
            }
        }

        public override string ToString()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>wrk's counters from the done() hook: requests, and errors by kind (status = responses with status > 399).</summary>
    private sealed record WrkResult(long Requests, long Connect, long Read, long Write, long Status, long Timeout)
    {
        public long SocketErrors => Connect + Read + Write + Timeout;

        public static WrkResult Parse(string output)
        {
            var match = WrkResultLine().Match(output);
            Assert.True(match.Success, "wrk printed no WRK_RESULT line:\n" + output);
            long Get(string name) => long.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
            return new WrkResult(Get("requests"), Get("connect"), Get("read"), Get("write"), Get("status"), Get("timeout"));
        }
    }

    /// <summary>
    /// An upstream whose /slow answers "late" after a fixed delay (shorter than TestUpstream's 10 s,
    /// so it fits inside a drain deadline), counting requests in flight and completed; /fast answers at once.
    /// </summary>
    private sealed class SlowUpstream : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _inFlight;
        private int _completed;

        private SlowUpstream(WebApplication app) => _app = app;

        public string Endpoint { get; private set; } = "";

        public int InFlight => Volatile.Read(ref _inFlight);

        public int Completed => Volatile.Read(ref _completed);

        public static async Task<SlowUpstream> StartAsync(TimeSpan delay)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var upstream = new SlowUpstream(app);
            app.MapGet("/fast", () => "fast");
            app.MapGet("/slow", async (HttpContext ctx) =>
            {
                Interlocked.Increment(ref upstream._inFlight);
                try
                {
                    await Task.Delay(delay, ctx.RequestAborted);
                    Interlocked.Increment(ref upstream._completed);
                    return "late";
                }
                finally
                {
                    Interlocked.Decrement(ref upstream._inFlight);
                }
            });
            await app.StartAsync();
            upstream.Endpoint = $"127.0.0.1:{new Uri(app.Urls.First()).Port}";
            return upstream;
        }

        public async Task<bool> WaitForInFlightAsync(int count, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                if (InFlight >= count)
                {
                    return true;
                }

                await Task.Delay(10);
            }

            return false;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
