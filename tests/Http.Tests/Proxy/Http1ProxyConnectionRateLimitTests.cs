using FastProxy.Core.Limits;
using FastProxy.Core.Observability;
using FastProxy.Http.Proxy;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>The per-connection request rate limit on HTTP/1.1 (Http1ProxyConnection.RateLimit.cs), in process over loopback.</summary>
public sealed class Http1ProxyConnectionRateLimitTests
{
    private const int TestTimeout = 30_000;

    private static string Request(string path) => "GET /" + path + " HTTP/1.1\r\nHost: t\r\n\r\n";

    [Fact(Timeout = TestTimeout)]
    public async Task PastTheBurst_429WithRetryAfterAndClose_NotForwardedNotRecorded()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        var options = new Http1ProxyOptions { Time = new FakeTimeProvider() };
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, options, requestRate: new RequestRateLimit(2, 2));
        using var client = await proxy.ConnectAsync();

        await client.SendAsync(Request("a"));
        Assert.Equal("/a", (await client.ReadResponseAsync()).Body);
        await client.SendAsync(Request("b"));
        Assert.Equal("/b", (await client.ReadResponseAsync()).Body);
        await client.SendAsync(Request("c"));
        var (head, body) = await client.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 429 Too Many Requests\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nRetry-After: 1\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", head, StringComparison.Ordinal);
        Assert.Equal("{\"error\":\"too_many_requests\",\"status\":429}\n", body);
        var (rest, _) = await client.ReadToEndAsync();
        Assert.Equal("", rest);

        // Only the two admitted requests reached the upstream and the record; the refusal is counted instead.
        await proxy.SettledAsync(records: 2);
        Assert.Equal(["/a", "/b"], [.. proxy.Observer.Records.Select(r => r.Path)]);
        Assert.All(proxy.Observer.Records, r => Assert.Equal(RequestOutcome.Forwarded, r.Outcome));
        Assert.Equal(1, options.RateLimited.Count);
        Assert.Empty(upstream.Failures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GrpcWebCallPastTheBurst_200WithResourceExhaustedAndClose()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        var options = new Http1ProxyOptions { Time = new FakeTimeProvider() };
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, options, requestRate: new RequestRateLimit(1, 1));
        using var client = await proxy.ConnectAsync();

        await client.SendAsync(Request("a"));
        Assert.Equal("/a", (await client.ReadResponseAsync()).Body);
        await client.SendAsync("POST /echo.Echo/Say HTTP/1.1\r\nHost: t\r\nContent-Type: application/grpc-web+proto\r\nContent-Length: 0\r\n\r\n");
        var (head, body) = await client.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\ngrpc-status: 8\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\ngrpc-message: too many requests\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", head, StringComparison.Ordinal);
        Assert.Equal("", body);
        Assert.Equal(1, options.RateLimited.Count);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Pipelined_PastTheBurst_AnswersInOrderThen429AndNothingAfter()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        var options = new Http1ProxyOptions { Time = new FakeTimeProvider() };
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, options, requestRate: new RequestRateLimit(1, 1));
        using var client = await proxy.ConnectAsync();

        await client.SendAsync(Request("a") + Request("b") + Request("c"));

        Assert.Equal("/a", (await client.ReadResponseAsync()).Body);
        Assert.StartsWith("HTTP/1.1 429 ", (await client.ReadResponseAsync()).Head, StringComparison.Ordinal);
        var (rest, _) = await client.ReadToEndAsync();
        Assert.Equal("", rest);
        await proxy.SettledAsync(records: 1);
        Assert.Equal("/a", Assert.Single(proxy.Observer.Records).Path);
        Assert.Equal(1, options.RateLimited.Count);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SecondConnection_OwnBucket_Unaffected()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        var options = new Http1ProxyOptions { Time = new FakeTimeProvider() };
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, options, requestRate: new RequestRateLimit(1, 1));
        using var first = await proxy.ConnectAsync();
        using var second = await proxy.ConnectAsync();

        await first.SendAsync(Request("a"));
        Assert.Equal("/a", (await first.ReadResponseAsync()).Body);
        await first.SendAsync(Request("b"));
        Assert.StartsWith("HTTP/1.1 429 ", (await first.ReadResponseAsync()).Head, StringComparison.Ordinal);

        await second.SendAsync(Request("c"));
        Assert.Equal("/c", (await second.ReadResponseAsync()).Body);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AfterTheRefill_KeepAliveRequestsPassAgain()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        var time = new FakeTimeProvider();
        var options = new Http1ProxyOptions { Time = time };
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, options, requestRate: new RequestRateLimit(2, 1));
        using var client = await proxy.ConnectAsync();

        // At 2/s with a burst of 1, one request every half second is exactly the rate: never refused.
        for (var i = 0; i < 5; i++)
        {
            await client.SendAsync(Request("p" + i));
            Assert.Equal("/p" + i, (await client.ReadResponseAsync()).Body);
            time.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(0, options.RateLimited.Count);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NoLimit_ManyRequestsAtOnce_AllForwarded()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        var options = new Http1ProxyOptions { Time = new FakeTimeProvider() };
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint, options);
        using var client = await proxy.ConnectAsync();

        for (var i = 0; i < 50; i++)
        {
            await client.SendAsync(Request("n" + i));
            Assert.Equal("/n" + i, (await client.ReadResponseAsync()).Body);
        }

        Assert.Equal(0, options.RateLimited.Count);
    }
}
