using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// limits.max_requests_per_connection_per_second through the real process, driven by clients we did not write: curl
/// over HTTP/1.1 keep-alive, python3-h2 and h2load over h2c. Past the rate a request gets 429 with Retry-After while
/// another connection is served; an HTTP/2 client that keeps flooding gets GOAWAY ENHANCE_YOUR_CALM. Logged (one line
/// a second), counted by protocol on /metrics, and nothing leaks.
/// </summary>
public sealed partial class RequestRateLimitTests(ITestOutputHelper output)
{
    // 2 a second: a loaded machine still sends the requests of one curl run faster than that.
    private const int Rate = 2;

    // RFC 9113 §7: ENHANCE_YOUR_CALM.
    private const int EnhanceYourCalm = 0xb;

    private static string Config(string upstream, int rate = Rate) => $$"""
        {
          "listeners": [ { "address": "127.0.0.1:0", "protocol": "http1" }, { "address": "127.0.0.1:0", "protocol": "h2c" } ],
          "admin": { "address": "127.0.0.1:0" },
          "limits": { "max_requests_per_connection_per_second": {{rate}} },
          "timeouts": { "header_seconds": 2, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 2 },
          "clusters": { "app": { "endpoints": [ "{{upstream}}" ] } },
          "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
          "log": { "level": "information" }
        }
        """;

    [Fact]
    public async Task Http1KeepAlive_PastTheRate_429WithRetryAfter_OtherConnectionServed()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint));
        var port = (await proxy.ListeningPortsAsync(2))[0];
        try
        {
            // A second client's connection, opened first, with one request of its budget spent.
            using var other = new TcpClient();
            await other.ConnectAsync(IPAddress.Loopback, port);
            Assert.StartsWith("HTTP/1.1 200 ", await ExchangeAsync(other, "/hello"), StringComparison.Ordinal);
            var baseline = Descriptors(proxy.Pid);

            // curl sends three requests on one keep-alive connection: two fit the burst, the third is refused.
            var url = $"http://127.0.0.1:{port}/hello";
            var (exit, text) = await Curl.RunAsync("-sS", "-i", url, url, url);
            Assert.True(exit == 0, text);
            // Counted anywhere: the upstream body has no final newline, so the next status line follows it on its line.
            Assert.True(OkStatusLine().Count(text) == 2, text);
            Assert.Contains("HTTP/1.1 429 Too Many Requests\r\n", text, StringComparison.Ordinal);
            Assert.Contains("Retry-After: 1\r\n", text, StringComparison.Ordinal);
            Assert.Contains("Connection: close\r\n", text, StringComparison.Ordinal);
            Assert.Contains("{\"error\":\"too_many_requests\",\"status\":429}", text, StringComparison.Ordinal);
            Assert.True(text.IndexOf("429 Too Many", StringComparison.Ordinal) > text.LastIndexOf("HTTP/1.1 200 ", StringComparison.Ordinal), text);

            // The other connection has its own bucket: still served.
            Assert.StartsWith("HTTP/1.1 200 ", await ExchangeAsync(other, "/hello"), StringComparison.Ordinal);

            Assert.True(await proxy.WaitForOutputAsync($"over the rate limit of {Rate}/s (burst {Rate}"), proxy.Output);
            Assert.Equal(1, await RateLimitedAsync(proxy, "http1", atLeast: 1));

            // The refused connection was closed and nothing stays behind for it.
            await AssertNothingLeftBehindAsync(proxy, baseline);
        }
        finally
        {
            output.WriteLine(proxy.Output);
        }
    }

    [Fact]
    public async Task H2c_StreamsPastTheRate_429OnThoseStreams_FloodGetsGoAwayEnhanceYourCalm()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint));
        var port = (await proxy.ListeningPortsAsync(2))[1];
        try
        {
            // Five streams at once on one connection: two fit the burst, three get 429; the connection goes on.
            var some = await PythonH2.SendAsync(port, [.. Enumerable.Range(0, 5).Select(_ => PythonH2.Stream("GET", "/hello", "127.0.0.1"))]);
            Assert.Null(some.GoAwayCode);
            var statuses = Enumerable.Range(0, 5).Select(i => some.Stream(1 + (2 * i))).ToList();
            Assert.True(statuses.Count(s => s.Status == 200) == 2, some.Raw);
            Assert.True(statuses.Count(s => s.Status == 429) == 3, some.Raw);
            Assert.All(statuses.Where(s => s.Status == 429), s => Assert.Equal("1", s.Field("retry-after")));
            Assert.All(statuses, s => Assert.True(s.Ended && s.Reset is null, some.Raw));
            await Task.Delay(500);
            var baseline = Descriptors(proxy.Pid);

            // A client that keeps going: past ten bursts refused within the flood window, GOAWAY ENHANCE_YOUR_CALM.
            var flood = await PythonH2.SendAsync(port, [.. Enumerable.Range(0, 40).Select(_ => PythonH2.Stream("GET", "/hello", "127.0.0.1"))]);
            Assert.True(flood.GoAwayCode == EnhanceYourCalm, flood.Raw);
            Assert.True(flood.Closed, flood.Raw);
            Assert.True(await proxy.WaitForOutputAsync("request rate flood"), proxy.Output);

            // h2load, one stream at a time on one connection: the rate holds for a client we did not write either.
            var (exit, text) = await CliTool.RunAsync("h2load", TimeSpan.FromSeconds(60), "-n", "12", "-c", "1", "-m", "1", $"http://127.0.0.1:{port}/hello");
            Assert.True(exit == 0, text);
            var codes = StatusCodes().Match(text);
            Assert.True(codes.Success, text);
            Assert.InRange(int.Parse(codes.Groups["ok"].Value, System.Globalization.CultureInfo.InvariantCulture), 2, 11);
            Assert.InRange(int.Parse(codes.Groups["client"].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 10);

            Assert.True(await proxy.WaitForOutputAsync($"over the rate limit of {Rate}/s (burst {Rate}"), proxy.Output);
            Assert.InRange(await RateLimitedAsync(proxy, "http2", atLeast: 3 + 21 + 1), 3 + 21 + 1, 3 + 38 + 10);

            // Every connection the clients opened is gone, the one that got GOAWAY included.
            await AssertNothingLeftBehindAsync(proxy, baseline);
        }
        finally
        {
            output.WriteLine(proxy.Output);
        }
    }

    [Fact]
    public async Task Reload_LimitLifted_NewConnectionsUnlimited_OpenOnesKeepTheirs()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint));
        var port = (await proxy.ListeningPortsAsync(2))[0];
        try
        {
            using var before = new TcpClient();
            await before.ConnectAsync(IPAddress.Loopback, port);
            Assert.StartsWith("HTTP/1.1 200 ", await ExchangeAsync(before, "/hello"), StringComparison.Ordinal);

            await File.WriteAllTextAsync(Path.Combine(proxy.Directory, "fastproxy.json"), Config(upstream.Endpoint, rate: 0));
            proxy.Signal("HUP");
            Assert.True(await proxy.WaitForOutputAsync("configuration reloaded", TimeSpan.FromSeconds(10)), proxy.Output);

            // A connection opened after the reload has no limit: six requests at once on it all pass.
            var url = $"http://127.0.0.1:{port}/hello";
            string[] sixUrls = [.. Enumerable.Range(0, 6).SelectMany(_ => new[] { "-o", "/dev/null", url })];
            var (exit, text) = await Curl.RunAsync(["-sS", "-w", "%{http_code} ", .. sixUrls]);
            Assert.True(exit == 0, text);
            Assert.Equal("200 200 200 200 200 200 ", text);

            // The connection opened before keeps the limit it started with: back to back, it is refused within its
            // burst of 2 plus what refilled meanwhile (an unlimited connection would take all six, as above).
            var statuses = new List<string>();
            for (var i = 0; i < 6 && !statuses.Contains("429"); i++)
            {
                statuses.Add((await ExchangeAsync(before, "/hello")).Split(' ')[1]);
            }

            Assert.True(statuses.Contains("429"), string.Join(' ', statuses));
        }
        finally
        {
            output.WriteLine(proxy.Output);
        }
    }

    /// <summary>One GET on an open keep-alive connection: the response head and body, as text.</summary>
    private static async Task<string> ExchangeAsync(TcpClient client, string path)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n"));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var text = received.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = ContentLength().Match(text);
                var bodyLength = length.Success ? int.Parse(length.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                if (text.Length >= end + 4 + bodyLength)
                {
                    return text;
                }
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                return received.ToString();
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
    }

    /// <summary>fastproxy_requests_rate_limited_total for <paramref name="protocol"/>, once it reads at least <paramref name="atLeast"/>.</summary>
    private static async Task<long> RateLimitedAsync(ProxyProcess proxy, string protocol, long atLeast)
    {
        var admin = AdminLine().Match(proxy.Output);
        Assert.True(admin.Success, proxy.Output);
        using var client = new HttpClient { BaseAddress = new Uri(admin.Groups["url"].Value) };
        var pattern = new Regex("^fastproxy_requests_rate_limited_total\\{protocol=\"" + protocol + "\"\\} (?<n>\\d+)$", RegexOptions.Multiline | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(1));
        long value = -1;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var match = pattern.Match(metrics);
            Assert.True(match.Success, metrics);
            value = long.Parse(match.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (value >= atLeast)
            {
                break;
            }

            await Task.Delay(100);
        }

        return value;
    }

    private static int Descriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    /// <summary>The proxy's descriptors are back to <paramref name="baseline"/> (give or take two) and it logged no unhandled exception.</summary>
    private static async Task AssertNothingLeftBehindAsync(ProxyProcess proxy, int baseline)
    {
        await WaitUntilAsync(() => Descriptors(proxy.Pid) <= baseline + 2, TimeSpan.FromSeconds(8));
        Assert.InRange(Descriptors(proxy.Pid), 0, baseline + 2);
        Assert.False(proxy.Output.Contains("Unhandled", StringComparison.Ordinal), proxy.Output);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"^fastproxy: admin on (?<url>http://\S+)", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdminLine();

    [GeneratedRegex("HTTP/1.1 200 ", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OkStatusLine();

    [GeneratedRegex(@"^Content-Length: (?<n>\d+)", RegexOptions.ExplicitCapture | RegexOptions.Multiline | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ContentLength();

    [GeneratedRegex(@"status codes: (?<ok>\d+) 2xx, \d+ 3xx, (?<client>\d+) 4xx", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex StatusCodes();
}
