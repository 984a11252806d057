using FastProxy.Core.Observability;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// The HTTP/1.1 proxy connection in process, between a test client and a scripted upstream over loopback: request
/// order, 100-continue, the one retry, failures on either side at every stage, and what becomes of the upstream lease.
/// </summary>
public sealed class Http1ProxyConnectionTests
{
    private const int TestTimeout = 30_000;

    [Fact(Timeout = TestTimeout)]
    public async Task Pipelined_ThreeRequestsInOneSend_AnsweredInOrderOnOneUpstreamConnection()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /bb HTTP/1.1\r\nHost: t\r\n\r\nGET /ccc HTTP/1.1\r\nHost: t\r\n\r\n");

        Assert.Equal("/a", (await client.ReadResponseAsync()).Body);
        Assert.Equal("/bb", (await client.ReadResponseAsync()).Body);
        Assert.Equal("/ccc", (await client.ReadResponseAsync()).Body);
        await proxy.SettledAsync(records: 3);
        Assert.Equal(1, upstream.Connections);
        Assert.Equal(["/a", "/bb", "/ccc"], [.. proxy.Observer.Records.Select(r => r.Path)]);
        Assert.All(proxy.Observer.Records, r => Assert.Equal((RequestOutcome.Forwarded, 200), (r.Outcome, r.Status)));
        Assert.Empty(upstream.Failures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ExpectContinue_AllowedRequest_100FromTheProxyThenBodyForwarded()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            var head = await peer.ReadHeadAsync();
            Assert.DoesNotContain("Expect:", head, StringComparison.OrdinalIgnoreCase);
            var body = await peer.ReadExactlyAsync(TestPeer.ContentLength(head));
            await peer.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            await peer.ReadToEndAsync();
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", await client.ReadHeadAsync());
        await client.SendAsync("hello");

        var (head, body) = await client.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 200 OK", head, StringComparison.Ordinal);
        Assert.Equal("hello", body);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(new InProcessProxy.Record("/up", RequestOutcome.Forwarded, 200, 5, 5), Assert.Single(proxy.Observer.Records));
        Assert.Empty(upstream.Failures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamClosesBeforeAnswering_FreshConnection_502WithoutRetry()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) => await peer.ReadHeadAsync());
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 502 ", (await client.ReadResponseAsync()).Head, StringComparison.Ordinal);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(1, upstream.Connections);
        Assert.Equal((RequestOutcome.UpstreamFailed, 502), Outcome(Assert.Single(proxy.Observer.Records)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReusedConnectionClosedBeforeAnswering_IdempotentRequest_RetriedOnceOnANewConnection()
    {
        await using var upstream = new ScriptedUpstream(async (peer, index) =>
        {
            if (index == 0)
            {
                // Answers once, then takes the next request and closes without a byte: a stale pooled connection.
                await peer.ReadHeadAsync();
                await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                await peer.ReadHeadAsync();
                return;
            }

            await ScriptedUpstream.EchoPathsAsync(peer);
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("ok", (await client.ReadResponseAsync()).Body);
        await client.SendAsync("GET /second HTTP/1.1\r\nHost: t\r\n\r\n");

        Assert.Equal("/second", (await client.ReadResponseAsync()).Body);
        await proxy.SettledAsync(records: 2);
        Assert.Equal(2, upstream.Connections);
        Assert.All(proxy.Observer.Records, r => Assert.Equal((RequestOutcome.Forwarded, 200), Outcome(r)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReusedConnectionClosedBeforeAnswering_Post_NotRetried502()
    {
        await using var upstream = new ScriptedUpstream(async (peer, index) =>
        {
            await peer.ReadHeadAsync();
            await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            await peer.ReadHeadAsync();
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("ok", (await client.ReadResponseAsync()).Body);
        await client.SendAsync("POST /second HTTP/1.1\r\nHost: t\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 502 ", (await client.ReadResponseAsync()).Head, StringComparison.Ordinal);
        await proxy.SettledAsync(records: 2);
        Assert.Equal(1, upstream.Connections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamClosesInsideTheResponseHead_502AndTheConnectionIsNeverPooled()
    {
        await using var upstream = new ScriptedUpstream(async (peer, index) =>
        {
            if (index == 0)
            {
                await peer.ReadHeadAsync();
                await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-");
                return;
            }

            await ScriptedUpstream.EchoPathsAsync(peer);
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502 ", (await client.ReadResponseAsync()).Head, StringComparison.Ordinal);
        await proxy.SettledAsync(records: 1);

        // Released exactly once (a second release would take Outstanding below zero) and closed, not pooled.
        Assert.Equal(0, proxy.Endpoint.Outstanding);
        Assert.Equal(0, proxy.Endpoint.IdleCount);
        await client.SendAsync("GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("/y", (await client.ReadResponseAsync()).Body);
        Assert.Equal(2, upstream.Connections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamSendsAnInvalidHead_502AndTheNextRequestGetsANewConnection()
    {
        await using var upstream = new ScriptedUpstream(async (peer, index) =>
        {
            if (index == 0)
            {
                await peer.ReadHeadAsync();
                await peer.SendAsync("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n");
                await peer.ReadToEndAsync();
                return;
            }

            await ScriptedUpstream.EchoPathsAsync(peer);
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502 ", (await client.ReadResponseAsync()).Head, StringComparison.Ordinal);
        await client.SendAsync("GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("/y", (await client.ReadResponseAsync()).Body);

        await proxy.SettledAsync(records: 2);
        Assert.Equal(2, upstream.Connections);
        Assert.Equal(0, proxy.Endpoint.Outstanding);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamTruncatesTheBodyAfterTheHead_ClientConnectionCut()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await peer.ReadHeadAsync();
            await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");

        // The head is already on its way: the only honest signal left is to cut the connection. (The cut is a reset,
        // which may overtake the head itself.)
        var (data, _) = await client.ReadToEndAsync();
        var bodyStart = data.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(bodyStart < 0 || data.Length - (bodyStart + 4) < 10, data);
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.UpstreamFailed, 200), Outcome(Assert.Single(proxy.Observer.Records)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientGoesAwayInsideTheHead_NoUpstreamConnectionAndNoRecord()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using (var client = await proxy.ConnectAsync())
        {
            await client.SendAsync("GET /x HTTP/1.1\r\nHo");
            client.Reset();
        }

        using var next = await proxy.ConnectAsync();
        await next.SendAsync("GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal("/y", (await next.ReadResponseAsync()).Body);
        await proxy.SettledAsync(records: 1);
        Assert.Equal("/y", Assert.Single(proxy.Observer.Records).Path);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientResetsInsideTheRequestBody_UpstreamConnectionAbortedAndReleased()
    {
        var upstreamSawEnd = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            // Not "the head, then ten body bytes": a reset discards what the proxy's kernel had received and not yet handed
            // over, so the proxy may forward none of the ten (under load it often did not, and the upstream script failed
            // waiting for them). Only the end of the upstream connection matters here.
            var (_, clean) = await peer.ReadToEndAsync();
            upstreamSawEnd.TrySetResult(clean);
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        var client = await proxy.ConnectAsync();

        await client.SendAsync("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789");
        await LoopbackHelpers.WaitUntilAsync(() => proxy.Endpoint.Outstanding == 1, "the request on its way upstream");
        client.Reset();

        // The upstream holds a request that will never be completed: the proxy closes it rather than pool it.
        await upstreamSawEnd.Task.WaitAsync(LoopbackHelpers.StepTimeout);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(0, proxy.Endpoint.IdleCount);
        Assert.Equal(RequestOutcome.ClientFailed, Assert.Single(proxy.Observer.Records).Outcome);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientResetsWhileTheResponseBodyStreams_UpstreamConnectionClosedAndReleased()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await peer.ReadHeadAsync();
            await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n");
            var chunk = new string('x', 64 * 1024);
            while (true)
            {
                await peer.SendAsync(chunk);
            }
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
        await client.ReadHeadAsync();
        await client.ReadExactlyAsync(1024);
        client.Reset();

        await proxy.SettledAsync(records: 1);
        Assert.Equal(0, proxy.Endpoint.IdleCount);
        Assert.Equal(RequestOutcome.ClientFailed, Assert.Single(proxy.Observer.Records).Outcome);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientResetsWhileTheUpstreamThinks_LeaseReleasedOnce()
    {
        var clientGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await peer.ReadHeadAsync();
            await clientGone.Task;
            await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            await peer.ReadToEndAsync();
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
        await LoopbackHelpers.WaitUntilAsync(() => proxy.Endpoint.Outstanding == 1, "the request on its way upstream");
        client.Reset();
        clientGone.SetResult();

        await proxy.SettledAsync(records: 1);
        Assert.Equal(0, proxy.Endpoint.Outstanding);
        Assert.Equal("/slow", Assert.Single(proxy.Observer.Records).Path);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ChunkedRequestBody_ValidatedAndForwardedWithoutTrailers()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            var head = await peer.ReadHeadAsync();
            Assert.Contains("Transfer-Encoding: chunked\r\n", head, StringComparison.Ordinal);
            var body = await peer.ReadExactlyAsync("5\r\nhello\r\n0\r\n\r\n".Length);
            await peer.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            await peer.ReadToEndAsync();
        });
        await using var proxy = await InProcessProxy.StartAsync(upstream.EndPoint);
        using var client = await proxy.ConnectAsync();

        await client.SendAsync("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n");

        Assert.Equal("5\r\nhello\r\n0\r\n\r\n", (await client.ReadResponseAsync()).Body);
        await proxy.SettledAsync(records: 1);
        Assert.Empty(upstream.Failures);
    }

    private static (RequestOutcome, int) Outcome(InProcessProxy.Record record) => (record.Outcome, record.Status);
}
