using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.Host.Admin;
using FastProxy.Host.Tests.Metrics;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Host.Tests.Admin;

public class AdminServerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Healthz_Get_200Ok()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => false });
        using var client = Client(admin);

        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_ReadinessFlips_200Then503()
    {
        var ready = true;
        await using var admin = await StartAsync(new AdminState { IsReady = () => Volatile.Read(ref ready) });
        using var client = Client(admin);

        using var first = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Volatile.Write(ref ready, false);
        using var second = await client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
    }

    [Fact]
    public async Task Metrics_Get_PrometheusTextThatPassesPromtool()
    {
        using var metrics = ProxyMetricsTests.ScriptedMetrics();
        await using var admin = await StartAsync(new AdminState { IsReady = () => true, Metrics = metrics });
        using var client = Client(admin);

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => string.Equals(p.Name, "version", StringComparison.Ordinal) && string.Equals(p.Value, "0.0.4", StringComparison.Ordinal));
        Assert.Equal(1, ProxyMetricsTests.Value(text, "fastproxy_requests_total{route=\"orders\",decision=\"allow\",status=\"200\"}"));
        var (exitCode, output) = await ProxyMetricsPromtoolTests.PromtoolCheckAsync(text);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task Metrics_NoMetrics_404()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var client = Client(admin);

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Config_Get_JsonFromState()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true, ConfigJson = () => "{\"a\":1}" });
        using var client = Client(admin);

        using var response = await client.GetAsync(new Uri("/config", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"a\":1}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Jwks_Get_KeysFromStateOrEmptySet()
    {
        await using var withKeys = await StartAsync(new AdminState { IsReady = () => true, JwksJson = () => "{\"keys\":[{\"kid\":\"k1\"}]}" });
        await using var without = await StartAsync(new AdminState { IsReady = () => true });
        using var client1 = Client(withKeys);
        using var client2 = Client(without);

        var keys = await client1.GetStringAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));
        var empty = await client2.GetStringAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));

        Assert.Equal("{\"keys\":[{\"kid\":\"k1\"}]}", keys);
        Assert.Equal(AdminState.EmptyJwks, empty);
    }

    [Fact]
    public async Task UnknownPath_Get_404()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var client = Client(admin);

        using var response = await client.GetAsync(new Uri("/healthz/x", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Healthz_QueryString_StillAnswered()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var client = Client(admin);

        using var response = await client.GetAsync(new Uri("/healthz?verbose=1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_AnyPath_405WithAllow()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var client = Client(admin);

        using var response = await client.PostAsync(new Uri("/healthz", UriKind.Relative), new StringContent("x"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Head_Healthz_HeadersWithoutBody()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);

        await LoopbackHelpers.SendAsync(socket, "HEAD /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var answer = await ReadToEndAsync(socket);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 3\r\n", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeepAlive_TwoRequestsOneConnection_BothAnswered()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);

        await LoopbackHelpers.SendAsync(socket, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /readyz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var answer = await ReadToEndAsync(socket);

        var first = answer.IndexOf("HTTP/1.1 200 OK", StringComparison.Ordinal);
        var second = answer.IndexOf("HTTP/1.1 200 OK", first + 1, StringComparison.Ordinal);
        Assert.True(first == 0 && second > 0, answer);
        Assert.EndsWith("ready\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestLine_OverLimit_414AndClosed()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);

        await LoopbackHelpers.SendAsync(socket, "GET /" + new string('a', 4096) + " HTTP/1.1\r\nHost: a\r\n\r\n");
        var answer = await ReadToEndAsync(socket);

        Assert.StartsWith("HTTP/1.1 414 ", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headers_TooMany_431()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);
        var headers = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            headers.Append("X-H").Append(i).Append(": v\r\n");
        }

        await LoopbackHelpers.SendAsync(socket, "GET /healthz HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n");
        var answer = await ReadToEndAsync(socket);

        Assert.StartsWith("HTTP/1.1 431 ", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_WithBody_413AndClosed()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);

        await LoopbackHelpers.SendAsync(socket, "GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
        var answer = await ReadToEndAsync(socket);

        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_Request_400AndClosed()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true });
        using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);

        await LoopbackHelpers.SendAsync(socket, "\u0001\u0002 nonsense\r\n\r\n");
        var answer = await ReadToEndAsync(socket);

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Source_Throws_500AndServerKeepsServing()
    {
        await using var admin = await StartAsync(new AdminState { IsReady = () => true, ConfigJson = () => throw new InvalidOperationException("boom") });
        using var client = Client(admin);

        using var failed = await client.GetAsync(new Uri("/config", UriKind.Relative));
        using var after = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.DoesNotContain("boom", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task DisposeAsync_Stopped_RefusesConnections()
    {
        var admin = await StartAsync(new AdminState { IsReady = () => true });
        var endPoint = admin.BoundEndPoint;

        await admin.DisposeAsync();

        await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            using var socket = await LoopbackHelpers.ConnectAsync(endPoint);
        });
    }

    [Fact]
    public async Task StartAsync_AddressInUse_Throws()
    {
        await using var first = await StartAsync(new AdminState { IsReady = () => true });

        await Assert.ThrowsAnyAsync<Exception>(() => AdminServer.StartAsync(first.BoundEndPoint, new AdminState { IsReady = () => true }, NullLoggerFactory.Instance, CancellationToken.None));
    }

    [Fact]
    public async Task PartialHead_NotCompletedInTime_ConnectionClosed()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var admin = await AdminServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), new AdminState { IsReady = () => true }, NullLoggerFactory.Instance, TimeSpan.FromMilliseconds(300), cts.Token);
        using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);

        await LoopbackHelpers.SendAsync(socket, "GET /healthz HTTP/1.1\r\nHost: a\r\n");
        var answer = await ReadToEndAsync(socket);

        Assert.Equal("", answer);
    }

    [Fact]
    public async Task IdleKeepAlive_PastHeadTimeout_ConnectionClosedAfterAnswer()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var admin = await AdminServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), new AdminState { IsReady = () => true }, NullLoggerFactory.Instance, TimeSpan.FromMilliseconds(300), cts.Token);
        using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);

        await LoopbackHelpers.SendAsync(socket, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
        var answer = await ReadToEndAsync(socket);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection: close", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostileInput_RandomBytes_AnsweredOrClosedAndServerKeepsServing()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var admin = await AdminServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), new AdminState { IsReady = () => true }, NullLoggerFactory.Instance, TimeSpan.FromMilliseconds(500), cts.Token);
        var random = new Random(4242);
        string[] prefixes = ["", "GET ", "GET /healthz HTTP/1.1\r\n", "POST /metrics HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n", "GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"];

        for (var i = 0; i < 40; i++)
        {
            var noise = new byte[random.Next(1, 3000)];
            random.NextBytes(noise);
            var payload = Encoding.ASCII.GetBytes(prefixes[i % prefixes.Length]).Concat(noise).Concat("\r\n\r\n"u8.ToArray()).ToArray();
            using var socket = await LoopbackHelpers.ConnectAsync(admin.BoundEndPoint);
            try
            {
                await socket.SendAsync(payload, SocketFlags.None, cts.Token);
            }
            catch (SocketException)
            {
                // the server may close (after a 4xx) before the noise is all sent
            }

            var answer = await ReadToEndAsync(socket, tolerateReset: true);
            Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 4", StringComparison.Ordinal) || answer.StartsWith("HTTP/1.1 5", StringComparison.Ordinal), answer);
        }

        using var client = Client(admin);
        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<AdminServer> StartAsync(AdminState state)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await AdminServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), state, NullLoggerFactory.Instance, cts.Token).WaitAsync(Timeout, cts.Token);
    }

    private static HttpClient Client(AdminServer admin) => new()
    {
        BaseAddress = new Uri($"http://{admin.BoundEndPoint}/"),
        Timeout = Timeout,
    };

    private static async Task<string> ReadToEndAsync(Socket socket, bool tolerateReset = false)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var buffer = new byte[64 * 1024];
        var total = 0;
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, cts.Token);
            }
            catch (SocketException) when (tolerateReset)
            {
                read = 0;
            }

            if (read == 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, total);
            }

            total += read;
        }
    }
}
