using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The per-cluster circuit breaker of the real `fastproxy run` process: a slow upstream and more
/// concurrent requests than the cluster's limits allow. The excess are answered 503 at once, logged
/// with the cluster and the limit, and counted in /metrics; the admitted ones are served.
/// </summary>
public sealed partial class CircuitBreakerTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task SlowUpstream_MoreConcurrentRequestsThanTheBreakerAllows_ExcessGet503PromptlyRestGet200()
    {
        using var upstream = new HeldUpstream();
        var config = $$"""
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "admin": { "address": "127.0.0.1:0" },
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 5, "response_seconds": 30, "drain_seconds": 5 },
              "clusters": { "app": { "endpoints": [ "{{upstream.Endpoint}}" ], "max_connections": 2, "max_pending_requests": 0 } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
              "log": { "level": "information" }
            }
            """;
        await using var proxy = await ProxyProcess.StartAsync(config);
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = StepTimeout };
        using var admin = new HttpClient { BaseAddress = AdminAddress(proxy), Timeout = StepTimeout };

        // Two requests take the cluster's two connections and stay at the upstream until it is told to answer.
        var admitted = Enumerable.Range(0, 2).Select(i => client.GetAsync(new Uri($"/held/{i}", UriKind.Relative))).ToList();
        Assert.True(await upstream.WaitForHeldAsync(2, StepTimeout), "the upstream did not receive the two admitted requests\n" + proxy.Output);

        // Three more: no connection can be opened and none may wait, so each is refused without waiting for the held ones.
        var started = DateTime.UtcNow;
        var excess = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => client.GetAsync(new Uri($"/excess/{i}", UriKind.Relative))));
        var took = DateTime.UtcNow - started;
        try
        {
            Assert.All(excess, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
            Assert.True(took < TimeSpan.FromSeconds(3), $"the excess requests took {took}");
            Assert.All(admitted, t => Assert.False(t.IsCompleted));
        }
        finally
        {
            foreach (var response in excess)
            {
                response.Dispose();
            }
        }

        upstream.Release();
        foreach (var response in await Task.WhenAll(admitted))
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("ok", await response.Content.ReadAsStringAsync());
            }
        }

        Assert.True(await proxy.WaitForOutputAsync("Cluster app: circuit breaker open: request refused at max_pending_requests = 0", StepTimeout), proxy.Output);
        var metrics = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(3, Sample(metrics, "fastproxy_upstream_circuit_breaker_rejections_total{cluster=\"app\",limit=\"max_pending_requests\"}"));
        Assert.Equal(0, Sample(metrics, "fastproxy_upstream_circuit_breaker_rejections_total{cluster=\"app\",limit=\"max_connections\"}"));
        Assert.Equal(2, upstream.Accepted);
    }

    private static Uri AdminAddress(ProxyProcess proxy)
    {
        var match = AdminLine().Match(proxy.Output);
        Assert.True(match.Success, "no 'fastproxy: admin on' line:\n" + proxy.Output);
        return new Uri(match.Groups["url"].Value);
    }

    private static double Sample(string text, string series)
    {
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no sample {series} in:\n{text}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^fastproxy: admin on (?<url>http://\S+)", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdminLine();

    /// <summary>A raw HTTP/1.1 upstream that reads each request head and answers only once <see cref="Release"/> is called.</summary>
    private sealed class HeldUpstream : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _serving;
        private int _accepted;
        private int _held;

        public HeldUpstream()
        {
            _listener.Start();
            Endpoint = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            _serving = ServeAsync();
        }

        public string Endpoint { get; }

        public int Accepted => Volatile.Read(ref _accepted);

        public void Release() => _release.TrySetResult();

        public async Task<bool> WaitForHeldAsync(int count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (Volatile.Read(ref _held) < count)
            {
                if (DateTime.UtcNow > deadline)
                {
                    return false;
                }

                await Task.Delay(20);
            }

            return true;
        }

        public void Dispose()
        {
            _release.TrySetResult();
            _listener.Stop();
            _ = _serving;
        }

        private async Task ServeAsync()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync();
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Interlocked.Increment(ref _accepted);
                _ = Task.Run(() => ServeConnectionAsync(socket));
            }
        }

        private async Task ServeConnectionAsync(Socket socket)
        {
            using (socket)
            {
                try
                {
                    while (await ReadHeadAsync(socket))
                    {
                        Interlocked.Increment(ref _held);
                        await _release.Task;
                        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
                    }
                }
                catch (SocketException)
                {
                    // the proxy went away
                }
            }
        }

        private static async Task<bool> ReadHeadAsync(Socket socket)
        {
            var seen = new StringBuilder();
            var buffer = new byte[4096];
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer);
                if (read == 0)
                {
                    return false;
                }

                seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
                if (seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
    }
}
