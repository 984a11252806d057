using FastProxy.Core.Upstream;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Client;

namespace FastProxy.Http.Tests.Http2.Client;

/// <summary>The HTTP/2 upstream client (pool, connection, stream) against our own HTTP/2 server, in memory.</summary>
public sealed class Http2UpstreamPoolTests
{
    [Fact]
    public async Task Get_AgainstOurServer_ReturnsStatusFieldsAndEmptyBody()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler());
        await using var pool = new Http2PoolUnderTest(upstream);

        var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
        var exchange = await Http2Exchange.RunAsync(stream, path: "/hello?x=1");

        Assert.Equal(Http2UpstreamHeadOutcome.Complete, exchange.Outcome);
        Assert.Equal(200, exchange.Status);
        Assert.Equal("GET", exchange.Fields["x-method"]);
        Assert.Equal("/hello", exchange.Fields["x-path"]);
        Assert.Equal(string.Empty, exchange.Body);
        Assert.Equal(1, pool.Pool.OpenConnections);
        Assert.Equal(0, pool.Pool.ActiveStreams);
    }

    [Fact]
    public async Task Post_WithBodyAndTrailers_EchoesBothBack()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler());
        await using var pool = new Http2PoolUnderTest(upstream);

        var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
        var exchange = await Http2Exchange.RunAsync(stream, "POST", "/echo", body: "hello upstream", trailers: new Dictionary<string, string>(StringComparer.Ordinal) { ["grpc-status"] = "0" });

        Assert.Equal(200, exchange.Status);
        Assert.Equal("hello upstream", exchange.Body);
        Assert.Equal("0", exchange.Trailers["grpc-status"]);
    }

    [Fact]
    public async Task Post_LargeBody_FlowsThroughWindowsBothWays()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler());
        await using var pool = new Http2PoolUnderTest(upstream, new Http2UpstreamOptions { InitialStreamWindowSize = 65_535, ConnectionWindowSize = 65_535 });
        var body = new string('x', 1_000_000);

        var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
        var exchange = await Http2Exchange.RunAsync(stream, "POST", "/big", body: body);

        Assert.Equal(200, exchange.Status);
        Assert.Equal(body.Length, exchange.Body.Length);
    }

    [Fact]
    public async Task ManyRequests_InSequence_ReuseOneConnection()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler());
        await using var pool = new Http2PoolUnderTest(upstream);

        for (var i = 0; i < 50; i++)
        {
            var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
            var exchange = await Http2Exchange.RunAsync(stream, "POST", "/n", body: "n" + i);
            Assert.Equal("n" + i, exchange.Body);
        }

        Assert.Equal(1, upstream.Connects);
    }

    [Fact]
    public async Task ConcurrentRequests_UnderTheStreamLimit_ShareOneConnection()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler());
        await using var pool = new Http2PoolUnderTest(upstream);

        var tasks = Enumerable.Range(0, 40).Select(async i =>
        {
            var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
            return await Http2Exchange.RunAsync(stream, "POST", "/c", body: "c" + i);
        }).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.All(results, r => Assert.Equal(200, r.Status));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => "c" + i).Order(StringComparer.Ordinal), results.Select(r => r.Body).Order(StringComparer.Ordinal));
        Assert.Equal(1, upstream.Connects);
    }

    [Fact]
    public async Task UpstreamMaxConcurrentStreamsTwo_FiveConcurrentStreams_OpenThreeConnections()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(async s =>
        {
            await gate.Task;
            await s.WriteResponseHeadAsync(204, endStream: true);
        });
        await using var upstream = new InMemoryHttp2Upstream(handler, new Http2ConnectionOptions { MaxConcurrentStreams = 2 });
        await using var pool = new Http2PoolUnderTest(upstream);

        var streams = new List<IHttp2UpstreamStream>();
        for (var i = 0; i < 5; i++)
        {
            streams.Add(await pool.Pool.OpenStreamAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(3, pool.Pool.OpenConnections);
        Assert.Equal(5, pool.Pool.ActiveStreams);
        var exchanges = streams.Select(s => Http2Exchange.RunAsync(s)).ToArray();
        gate.SetResult();
        var results = await Task.WhenAll(exchanges).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(results, r => Assert.Equal(204, r.Status));
        Assert.Equal(3, upstream.Connects);
        Assert.Equal(0, pool.Pool.ActiveStreams);
    }

    [Fact]
    public async Task FiftySimultaneousFirstRequests_OpenOneConnection()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler());
        await using var pool = new Http2PoolUnderTest(upstream);

        var tasks = Enumerable.Range(0, 50).Select(async _ =>
        {
            var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
            return await Http2Exchange.RunAsync(stream);
        }).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.All(results, r => Assert.Equal(200, r.Status));
        Assert.Equal(1, upstream.Connects);
    }

    [Fact]
    public async Task StreamLimitReached_AtMaxConnections_WaiterTimesOutAsPoolExhausted()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new InMemoryHttp2Upstream(new ScriptedHandler(async s => { await gate.Task; await s.WriteResponseHeadAsync(204, endStream: true); }), new Http2ConnectionOptions { MaxConcurrentStreams = 1 });
        await using var pool = new Http2PoolUnderTest(upstream, pool: new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 1, ConnectTimeout = TimeSpan.FromMilliseconds(300) });

        var first = await pool.Pool.OpenStreamAsync(CancellationToken.None);
        await Assert.ThrowsAsync<UpstreamPoolExhaustedException>(async () => await pool.Pool.OpenStreamAsync(CancellationToken.None));

        gate.SetResult();
        var exchange = await Http2Exchange.RunAsync(first);
        Assert.Equal(204, exchange.Status);
    }

    [Fact]
    public async Task WaiterBeyondPendingLimit_IsRefusedAtOnceAsQueueFull()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler(), new Http2ConnectionOptions { MaxConcurrentStreams = 1 });
        await using var pool = new Http2PoolUnderTest(upstream, pool: new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 1, MaxPendingRequestsPerEndpoint = 0 });

        var first = await pool.Pool.OpenStreamAsync(CancellationToken.None);
        await Assert.ThrowsAsync<UpstreamQueueFullException>(async () => await pool.Pool.OpenStreamAsync(CancellationToken.None));
        first.Release();
    }

    [Fact]
    public async Task ReleasedStream_FreesItsSlotForAWaiter()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler(), new Http2ConnectionOptions { MaxConcurrentStreams = 1 });
        await using var pool = new Http2PoolUnderTest(upstream, pool: new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 1 });

        var first = await pool.Pool.OpenStreamAsync(CancellationToken.None);
        var second = pool.Pool.OpenStreamAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.Equal(1, pool.Pool.PendingRequests);

        var exchange = await Http2Exchange.RunAsync(first);
        var next = await second.WaitAsync(TimeSpan.FromSeconds(5));
        var again = await Http2Exchange.RunAsync(next);

        Assert.Equal(200, exchange.Status);
        Assert.Equal(200, again.Status);
        Assert.Equal(0, pool.Pool.PendingRequests);
    }
}
