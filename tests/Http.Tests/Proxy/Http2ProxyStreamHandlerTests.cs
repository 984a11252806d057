using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Transport;
using FastProxy.Http.Http2;
using FastProxy.Http.Proxy;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// The HTTP/2 forwarding adapter between a fake HTTP/2 stream and a scripted HTTP/1.1 upstream over loopback: the
/// head as the upstream reads it, bodies both ways (declared, streamed, chunked, trailers), the gate's refusals, the
/// body limit, retries, upstream failures before and after the response head, client resets, and the record.
/// </summary>
public sealed class Http2ProxyStreamHandlerTests
{
    private const int TestTimeout = 30_000;

    private static string FieldLine(string head, string name)
        => head.Split("\r\n").SingleOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) ?? "";

    private static async Task<string> ServeOnceAsync(TestPeer upstream, string response)
    {
        var head = await upstream.ReadHeadAsync();
        await upstream.SendAsync(response);
        return head;
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Get_ForwardedAsAnHttp11Head_HostCookiesJoinedTeAndForgedFieldsGone()
    {
        var seen = new TaskCompletionSource<string>();
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            seen.SetResult(await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n\r\nhello"));
            await ScriptedUpstream.EchoPathsAsync(peer);
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/orders/7?expand=1", [
            ("user-agent", "curl/8"),
            ("cookie", "a=1"),
            ("te", "trailers"),
            ("x-forwarded-for", "6.6.6.6"),
            ("cookie", "b=2"),
            ("accept", "*/*"),
        ], authority: "api.test:8443");

        await proxy.RunAsync(stream);

        var head = await seen.Task;
        Assert.StartsWith("GET /orders/7?expand=1 HTTP/1.1\r\nHost: api.test:8443\r\n", head, StringComparison.Ordinal);
        Assert.Equal("cookie: a=1; b=2", FieldLine(head, "cookie"));
        Assert.Equal("user-agent: curl/8", FieldLine(head, "user-agent"));
        Assert.Equal("", FieldLine(head, "te"));
        Assert.Equal("X-Forwarded-For: 127.0.0.1", FieldLine(head, "X-Forwarded-For"));
        Assert.Equal("X-Forwarded-Proto: http", FieldLine(head, "X-Forwarded-Proto"));
        Assert.Equal("X-Forwarded-Host: api.test:8443", FieldLine(head, "X-Forwarded-Host"));
        Assert.Matches("^X-Request-Id: [0-9a-f]{32}$", FieldLine(head, "X-Request-Id"));
        Assert.Matches("^traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", FieldLine(head, "traceparent"));
        Assert.DoesNotContain(head.Split("\r\n"), l => l.StartsWith(':'));
        Assert.Equal("", FieldLine(head, "Content-Length"));
        Assert.Equal("", FieldLine(head, "Transfer-Encoding"));

        Assert.Equal(200, stream.Status);
        Assert.Equal("hello", stream.DataText);
        Assert.True(stream.Ended);
        Assert.Contains(("content-type", "text/plain"), stream.ResponseFields);
        Assert.Contains(("content-length", "5"), stream.ResponseFields);
        Assert.DoesNotContain(stream.ResponseFields, f => f.Name is "x-hop" or "connection");
        await proxy.SettledAsync(records: 1);
        Assert.Equal(new Http2ProxyHarness.Record("HTTP/2", "GET", "/orders/7", RequestOutcome.Forwarded, 200, 0, 5, upstream.EndPoint.ToString()), proxy.Observer.Single);
        Assert.Equal(1, proxy.Endpoint.IdleCount);
        Assert.Empty(upstream.Failures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Get_GateAddsIdentity_ForgedIdentityAndAuthorizationStripped_ProtoFromTheListener()
    {
        var seen = new TaskCompletionSource<string>();
        await using var upstream = new ScriptedUpstream(async (peer, _) => seen.SetResult(await ServeOnceAsync(peer, "HTTP/1.1 204 No Content\r\n\r\n")));
        var identity = new FixedIdentity(new HeaderFields.Builder().Add("x-user-id", "alice").Build());
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Allow(identity, forwardAuthorization: false));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, gate, strippedHeaders: ["x-user-id"u8.ToArray()]);
        var (server, _) = InMemoryConnection.CreatePair(new ListenerInfo(0, "tls", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 8443), ListenerInfo.HttpsScheme));
        using var stream = new FakeHttp2RequestStream("GET", "/me", [("authorization", "Bearer t"), ("x-user-id", "mallory"), ("x_user_id", "mallory")], connection: server);

        await proxy.RunAsync(stream);

        var head = await seen.Task;
        Assert.Equal("x-user-id: alice", FieldLine(head, "x-user-id"));
        Assert.Equal("", FieldLine(head, "x_user_id"));
        Assert.Equal("", FieldLine(head, "authorization"));
        Assert.Equal("X-Forwarded-Proto: https", FieldLine(head, "X-Forwarded-Proto"));
        Assert.Equal(204, stream.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Get_TwoStreamsInTurn_OneUpstreamConnectionReused()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var first = new FakeHttp2RequestStream("GET", "/a");
        using var second = new FakeHttp2RequestStream("GET", "/bb");

        await proxy.RunAsync(first);
        await proxy.RunAsync(second);

        Assert.Equal(("/a", "/bb"), (first.DataText, second.DataText));
        await proxy.SettledAsync(records: 2);
        Assert.Equal(1, upstream.Connections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Post_DeclaredLength_ContentLengthAndBodyForwarded()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            var head = await peer.ReadHeadAsync();
            Assert.Equal("Content-Length: 11", FieldLine(head, "Content-Length"));
            var body = await peer.ReadExactlyAsync(11);
            await peer.SendAsync($"HTTP/1.1 201 Created\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            await ScriptedUpstream.EchoPathsAsync(peer);
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("POST", "/orders", [("content-type", "application/json"), ("content-length", "11")], hasBody: true, declaredLength: 11);

        var run = proxy.RunAsync(stream);
        await stream.SendBodyAsync("{\"a\":", end: false);
        await stream.SendBodyAsync("12345}", end: true);
        await run;

        Assert.Equal((201, "{\"a\":12345}"), (stream.Status, stream.DataText));
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.Forwarded, 201, 11L, 11L), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status, proxy.Observer.Single.BytesIn, proxy.Observer.Single.BytesOut));
        Assert.Equal(1, proxy.Endpoint.IdleCount);
        Assert.Empty(upstream.Failures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Post_StreamedBodyWithTrailers_ChunkedUpstreamWithAllowedTrailersOnly()
    {
        var seen = new TaskCompletionSource<(string Head, string Body)>();
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            var head = await peer.ReadHeadAsync();
            var body = await peer.ReadHeadAsync(); // a chunked body without CRLFCRLF in its data ends like a head
            seen.SetResult((head, body));
            await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("POST", "/upload", hasBody: true);
        stream.AddRequestTrailer("x-checksum", "abc");
        stream.AddRequestTrailer("authorization", "Bearer late");
        stream.AddRequestTrailer("content-length", "1");

        var run = proxy.RunAsync(stream);
        await stream.SendBodyAsync("hello ", end: false);
        await Task.Delay(50, CancellationToken.None);
        await stream.SendBodyAsync("world", end: true);
        await run;

        var (head, body) = await seen.Task;
        Assert.Equal("Transfer-Encoding: chunked", FieldLine(head, "Transfer-Encoding"));
        Assert.Equal("", FieldLine(head, "Content-Length"));
        Assert.Equal("hello world", Dechunk(body));
        Assert.EndsWith("0\r\nx-checksum: abc\r\n\r\n", body, StringComparison.Ordinal);
        Assert.Equal((200, "ok"), (stream.Status, stream.DataText));
        await proxy.SettledAsync(records: 1);
        Assert.Equal(RequestOutcome.Forwarded, proxy.Observer.Single.Outcome);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Post_WithoutBody_ContentLengthZeroStated()
    {
        var seen = new TaskCompletionSource<string>();
        await using var upstream = new ScriptedUpstream(async (peer, _) => seen.SetResult(await ServeOnceAsync(peer, "HTTP/1.1 204 No Content\r\n\r\n")));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("POST", "/ping");

        await proxy.RunAsync(stream);

        Assert.Equal("Content-Length: 0", FieldLine(await seen.Task, "Content-Length"));
        Assert.Equal((204, true), (stream.Status, stream.HeadEndedStream));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ExpectContinue_Allowed_100FromTheProxyExpectNotForwarded()
    {
        var seen = new TaskCompletionSource<string>();
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            var head = await peer.ReadHeadAsync();
            var body = await peer.ReadExactlyAsync(5);
            seen.SetResult(head);
            await peer.SendAsync($"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{body}");
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("PUT", "/up", [("expect", "100-continue")], hasBody: true, declaredLength: 5, expectContinue: true);

        var run = proxy.RunAsync(stream);
        await LoopbackHelpers.WaitUntilAsync(() => stream.ContinuesSent == 1, "100 (Continue) sent");
        await stream.SendBodyAsync("hello", end: true);
        await run;

        Assert.Equal("", FieldLine(await seen.Task, "expect"));
        Assert.Equal((200, "hello", 1), (stream.Status, stream.DataText, stream.ContinuesSent));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Denied_401_GatesStatusChallengeAndBody_NothingSentUpstream()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Deny(401, HeaderFields.Create("WWW-Authenticate", "Bearer realm=\"api\""), "{\"error\":\"unauthorized\"}"u8.ToArray()));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, gate);
        using var stream = new FakeHttp2RequestStream("GET", "/orders");

        await proxy.RunAsync(stream);

        Assert.Equal(401, stream.Status);
        Assert.Contains(("www-authenticate", "Bearer realm=\"api\""), stream.ResponseFields);
        Assert.Contains(("content-type", "application/json"), stream.ResponseFields);
        Assert.Equal("{\"error\":\"unauthorized\"}", stream.DataText);
        Assert.True(stream.Ended);
        Assert.Equal((RequestOutcome.Denied, 401), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, upstream.Connections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Denied_403WithoutBody_HeadEndsTheStream()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, new Http2ProxyHarness.ScriptedGate(GateDecision.Deny(403, null, default)));
        using var stream = new FakeHttp2RequestStream("GET", "/orders");

        await proxy.RunAsync(stream);

        Assert.Equal((403, true, ""), (stream.Status, stream.HeadEndedStream, stream.DataText));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GateRetry_PendingWorkDone_DecidedAgainAndForwarded()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Retry(Task.Delay(20)), GateDecision.Allow());
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, gate);
        using var stream = new FakeHttp2RequestStream("GET", "/keys");

        await proxy.RunAsync(stream);

        Assert.Equal((200, "/keys", 2), (stream.Status, stream.DataText, gate.Evaluations));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GateRetryTwice_503IdentityUnavailable()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, new Http2ProxyHarness.ScriptedGate(GateDecision.Retry(Task.CompletedTask)));
        using var stream = new FakeHttp2RequestStream("GET", "/keys");

        await proxy.RunAsync(stream);

        Assert.Equal(503, stream.Status);
        Assert.Equal((RequestOutcome.Denied, 503), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Unrouted_404And405_AndConnect_501()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var other = new FakeHttp2RequestStream("GET", "/elsewhere", authority: "other.test");
        using var post = new FakeHttp2RequestStream("POST", "/get-only", authority: "other.test");
        using var connect = new FakeHttp2RequestStream("CONNECT", "");

        await proxy.RunAsync(other);
        await proxy.RunAsync(post);
        await proxy.RunAsync(connect);

        Assert.Equal((404, 405, 501), (other.Status, post.Status, connect.Status));
        Assert.Equal("{\"error\":\"method_not_allowed\",\"status\":405}\n", post.DataText);
        Assert.Equal([RequestOutcome.NoRoute, RequestOutcome.NoRoute, RequestOutcome.ClientFailed], proxy.Observer.Records.Select(r => r.Outcome));
        Assert.Equal(0, upstream.Connections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ValueWithCrLf_RefusedWith400_NeverWrittenUpstream()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/x", [("x-a", "1\r\nX-Injected: yes")]);

        await proxy.RunAsync(stream);

        Assert.Equal(400, stream.Status);
        Assert.Equal((RequestOutcome.ClientFailed, 400), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, upstream.Connections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DeclaredBodyOverTheLimit_413BeforeAnyUpstream()
    {
        await using var upstream = new ScriptedUpstream((peer, _) => ScriptedUpstream.EchoPathsAsync(peer));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, options: new Http1ProxyOptions { MaxRequestBodyBytes = 10 });
        using var stream = new FakeHttp2RequestStream("POST", "/big", hasBody: true, declaredLength: 11);

        await proxy.RunAsync(stream);

        Assert.Equal((413, "{\"error\":\"body_too_large\",\"status\":413}\n"), (stream.Status, stream.DataText));
        Assert.Equal((RequestOutcome.ClientFailed, 413), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, upstream.Connections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task StreamedBodyOverTheLimit_413AndTheUpstreamConnectionClosed()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await peer.ReadHeadAsync();
            await peer.ReadToEndAsync();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, options: new Http1ProxyOptions { MaxRequestBodyBytes = 10 });
        using var stream = new FakeHttp2RequestStream("POST", "/big", hasBody: true);

        var run = proxy.RunAsync(stream);
        await stream.SendBodyAsync("123456", end: false);
        await Task.Delay(50, CancellationToken.None);
        await stream.SendBodyAsync("789012", end: false);
        await run;

        Assert.Equal(413, stream.Status);
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.ClientFailed, 413), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamRefusesConnections_Get_RetriedOnceThen502()
    {
        await using var proxy = new Http2ProxyHarness(LoopbackHelpers.ClosedPortV4());
        using var stream = new FakeHttp2RequestStream("GET", "/x");

        await proxy.RunAsync(stream);

        Assert.Equal((502, "{\"error\":\"bad_gateway\",\"status\":502}\n"), (stream.Status, stream.DataText));
        Assert.Equal((RequestOutcome.UpstreamFailed, 502), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(2, proxy.Endpoint.ConsecutiveFailures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReusedConnectionClosedBeforeAnswering_Get_RetriedOnANewConnection()
    {
        await using var upstream = new ScriptedUpstream(async (peer, index) =>
        {
            if (index == 0)
            {
                await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                await peer.ReadHeadAsync();
                return;
            }

            await ScriptedUpstream.EchoPathsAsync(peer);
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var first = new FakeHttp2RequestStream("GET", "/first");
        using var second = new FakeHttp2RequestStream("GET", "/second");

        await proxy.RunAsync(first);
        await proxy.RunAsync(second);

        Assert.Equal(("ok", "/second"), (first.DataText, second.DataText));
        await proxy.SettledAsync(records: 2);
        Assert.Equal(2, upstream.Connections);
        Assert.All(proxy.Observer.Records, r => Assert.Equal(RequestOutcome.Forwarded, r.Outcome));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamResetsMidBody_StreamResetWithInternalError()
    {
        using var stream = new FakeHttp2RequestStream("GET", "/big");
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");

            // Reset only once the proxy relayed what it got: a reset discards bytes the receiver has not read yet.
            await LoopbackHelpers.WaitUntilAsync(() => stream.DataText.Length > 0, "the first bytes relayed");
            peer.Reset();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);

        await proxy.RunAsync(stream);

        Assert.Equal((200, "partial", Http2ErrorCode.InternalError), (stream.Status, stream.DataText, stream.ResetCode));
        Assert.False(stream.Ended);
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.UpstreamFailed, 200), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamClosesBeforeAnswering_FreshConnection_502()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) => await peer.ReadHeadAsync());
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/x");

        await proxy.RunAsync(stream);

        Assert.Equal(502, stream.Status);
        Assert.Equal(1, upstream.Connections);
        Assert.Equal((RequestOutcome.UpstreamFailed, 502), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamSilent_504AfterTheResponseTimeout()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await peer.ReadHeadAsync();
            await peer.ReadToEndAsync();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, options: new Http1ProxyOptions { ResponseTimeout = TimeSpan.FromMilliseconds(300) });
        using var stream = new FakeHttp2RequestStream("GET", "/slow");

        await proxy.RunAsync(stream);

        Assert.Equal(504, stream.Status);
        Assert.Equal((RequestOutcome.UpstreamFailed, 504), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientStallsItsBody_ResponseTimeoutBlamesTheClient_400UpstreamHealthUntouched()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await peer.ReadHeadAsync();
            await peer.ReadToEndAsync();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, options: new Http1ProxyOptions { ResponseTimeout = TimeSpan.FromMilliseconds(300) });
        using var stream = new FakeHttp2RequestStream("POST", "/upload", hasBody: true, declaredLength: 100);

        var run = proxy.RunAsync(stream);
        await stream.SendBodyAsync("only part", end: false);
        await run;

        Assert.Equal(400, stream.Status);
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.ClientFailed, 400), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, proxy.Endpoint.ConsecutiveFailures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamAnswersBeforeTheWholeBody_ResponseRelayedBodyStoppedConnectionNotReused()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await ServeOnceAsync(peer, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 4\r\n\r\nnope");
            await peer.ReadToEndAsync();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("POST", "/upload", hasBody: true);

        var run = proxy.RunAsync(stream);
        await stream.SendBodyAsync("first part", end: false);
        await run;

        Assert.Equal((413, "nope", true), (stream.Status, stream.DataText, stream.Ended));
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.Forwarded, 413), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamStallsMidBody_StreamResetAfterTheResponseTimeout()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
            await peer.ReadToEndAsync();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint, options: new Http1ProxyOptions { ResponseTimeout = TimeSpan.FromMilliseconds(300) });
        using var stream = new FakeHttp2RequestStream("GET", "/slow-body");

        await proxy.RunAsync(stream);

        Assert.Equal((200, "12345", Http2ErrorCode.InternalError), (stream.Status, stream.DataText, stream.ResetCode));
        await proxy.SettledAsync(records: 1);
        Assert.Equal(RequestOutcome.UpstreamFailed, proxy.Observer.Single.Outcome);
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ChunkedResponse_DechunkedIntoDataWithTrailers()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n5\r\nhello\r\n");
            await Task.Delay(30);
            await peer.SendAsync("6;ext=1\r\n world\r\n0\r\nx-checksum: 42\r\nset-cookie: late=1\r\n\r\n");
            await ScriptedUpstream.EchoPathsAsync(peer);
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/stream");

        await proxy.RunAsync(stream);

        Assert.Equal((200, "hello world", false), (stream.Status, stream.DataText, stream.HeadEndedStream));
        Assert.True(stream.Ended);
        Assert.DoesNotContain(stream.ResponseFields, f => f.Name is "transfer-encoding" or "trailer" or "content-length");
        Assert.Equal([("x-checksum", "42")], stream.ResponseTrailers);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(1, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ChunkedResponseWithBadFraming_StreamReset()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
            await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/stream");

        await proxy.RunAsync(stream);

        Assert.Equal((200, Http2ErrorCode.InternalError), (stream.Status, stream.ResetCode));
        Assert.Equal(RequestOutcome.UpstreamFailed, proxy.Observer.Single.Outcome);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CloseDelimitedResponse_RelayedToTheEnd()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\n\r\nuntil");
            await peer.SendAsync(" close");
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/old");

        await proxy.RunAsync(stream);

        Assert.Equal((200, "until close"), (stream.Status, stream.DataText));
        Assert.True(stream.Ended);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Head_ContentLengthRestatedNoBody()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
            await ScriptedUpstream.EchoPathsAsync(peer);
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("HEAD", "/file");

        await proxy.RunAsync(stream);

        Assert.Equal((200, true, ""), (stream.Status, stream.HeadEndedStream, stream.DataText));
        Assert.Contains(("content-length", "1234"), stream.ResponseFields);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(1, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NoContent_HeadEndsTheStream()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) => await ServeOnceAsync(peer, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nX-A: 1\r\n\r\n"));
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("DELETE", "/item");

        await proxy.RunAsync(stream);

        Assert.Equal((204, true), (stream.Status, stream.HeadEndedStream));
        Assert.Equal([("x-a", "1")], stream.ResponseFields);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Unsolicited101_502AndTheUpstreamConnectionClosed()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await ServeOnceAsync(peer, "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n");
            await peer.ReadToEndAsync();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/ws");

        await proxy.RunAsync(stream);

        Assert.Equal(502, stream.Status);
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.UpstreamFailed, 502), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientResetsWhileWaitingForTheResponse_UpstreamConnectionAbortedNotReused()
    {
        var upstreamSawEnd = new TaskCompletionSource<bool>();
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await peer.ReadHeadAsync();
            var (_, clean) = await peer.ReadToEndAsync();
            upstreamSawEnd.SetResult(clean);
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/slow");

        var run = proxy.RunAsync(stream);
        await LoopbackHelpers.WaitUntilAsync(() => proxy.Endpoint.Outstanding == 1, "the request leased an upstream connection");
        await Task.Delay(50, CancellationToken.None);
        stream.ClientReset();
        await run;

        await upstreamSawEnd.Task.WaitAsync(LoopbackHelpers.StepTimeout, CancellationToken.None);
        Assert.Null(stream.Status);
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.ClientFailed, 0), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientResetsMidRequestBody_UpstreamAbortedRecordClientFailed()
    {
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await peer.ReadHeadAsync();
            await peer.ReadToEndAsync();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("POST", "/upload", hasBody: true, declaredLength: 100);

        var run = proxy.RunAsync(stream);
        await stream.SendBodyAsync("some", end: false);
        await LoopbackHelpers.WaitUntilAsync(() => proxy.Endpoint.Outstanding == 1, "the request leased an upstream connection");
        stream.ClientReset();
        await run;

        await proxy.SettledAsync(records: 1);
        Assert.Equal(RequestOutcome.ClientFailed, proxy.Observer.Single.Outcome);
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientGoneMidResponseBody_StreamCancelledUpstreamNotReused()
    {
        var clientGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = new ScriptedUpstream(async (peer, _) =>
        {
            await ServeOnceAsync(peer, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");

            // The rest of the body only once the client is gone (however slow the test machine), if the proxy is still there.
            await clientGone.Task.WaitAsync(LoopbackHelpers.StepTimeout, CancellationToken.None);
            await peer.SendAsync("67890");
            await peer.ReadToEndAsync();
        });
        await using var proxy = new Http2ProxyHarness(upstream.EndPoint);
        using var stream = new FakeHttp2RequestStream("GET", "/file");

        var run = proxy.RunAsync(stream);
        await stream.HeadWritten.WaitAsync(LoopbackHelpers.StepTimeout, CancellationToken.None);
        stream.ClientReset();
        clientGone.SetResult();
        await run;

        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.ClientFailed, 200), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
        Assert.Equal(0, proxy.Endpoint.IdleCount);
    }

    /// <summary>The payload of a chunked body (the test writes no extensions).</summary>
    private static string Dechunk(string body)
    {
        var result = new System.Text.StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[position..lineEnd], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }

    private sealed class FixedIdentity(HeaderFields headers) : IUpstreamIdentity
    {
        public HeaderFields Headers => headers;
    }
}
