using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Proxy;
using FastProxy.Http.Tests.Proxy.Fakes;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// HTTP/2 client -> HTTP/2 upstream through the forwarding adapter, against a scripted upstream stream: the head as
/// the upstream receives it, bodies and trailers both ways, trailers-only responses, backpressure, the Refused retry,
/// upstream resets before and after the head, client cancellation, and gRPC deadlines.
/// </summary>
public sealed class Http2ProxyStreamHttp2UpstreamTests
{
    private const int TestTimeout = 30_000;

    [Fact(Timeout = TestTimeout)]
    public async Task Get_HeadRestatedAsHttp2Fields_PseudoHeadersFirstTeTrailersKeptForgedFieldsGone()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("GET", "/orders/7?expand=1", [
            ("user-agent", "curl/8"),
            ("te", "trailers"),
            ("x-forwarded-for", "6.6.6.6"),
            ("x-request-id", "forged"),
            ("cookie", "a=1"),
            ("cookie", "b=2"),
        ], authority: "api.test:8443");
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200, [("content-type", "text/plain"), ("content-length", "5"), ("connection", "close")]);
        await upstream.SendBodyAsync("hello");
        await upstream.EndBodyAsync();
        await run;

        Assert.Equal(
            [(":method", "GET"), (":scheme", "http"), (":authority", "api.test:8443"), (":path", "/orders/7?expand=1")],
            upstream.RequestHead.Take(4));
        Assert.DoesNotContain(upstream.RequestHead.Skip(4), f => f.Name.StartsWith(':'));
        Assert.Equal("trailers", upstream.Header("te"));
        Assert.Equal("curl/8", upstream.Header("user-agent"));
        Assert.Equal("a=1,b=2", upstream.Values("cookie"));
        Assert.Equal("127.0.0.1", upstream.Header("x-forwarded-for"));
        Assert.Equal("http", upstream.Header("x-forwarded-proto"));
        Assert.Equal("api.test:8443", upstream.Header("x-forwarded-host"));
        Assert.Matches("^[0-9a-f]{32}$", upstream.Header("x-request-id"));
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", upstream.Header("traceparent"));
        Assert.Null(upstream.Header("host"));
        Assert.Null(upstream.Header("content-length"));
        Assert.True(upstream.HeadEndedStream);

        Assert.Equal((200, "hello", true), (stream.Status, stream.DataText, stream.Ended));
        Assert.Contains(("content-length", "5"), stream.ResponseFields);
        Assert.DoesNotContain(stream.ResponseFields, f => string.Equals(f.Name, "connection", StringComparison.Ordinal));
        Assert.Equal(1, upstream.Releases);
        var record = proxy.Observer.Single;
        Assert.Equal((RequestOutcome.Forwarded, 200, 5L, "127.0.0.1:9"), (record.Outcome, record.Status, record.BytesOut, record.Upstream));
        Assert.Equal([new TimeSpan(0, 0, 30), Timeout.InfiniteTimeSpan], upstream.Deadlines);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Get_TeOtherThanTrailers_Dropped()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("GET", "/", [("te", "gzip")]);
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(204, endStream: true);
        await run;

        Assert.Null(upstream.Header("te"));
        Assert.Equal((204, true), (stream.Status, stream.HeadEndedStream));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Get_GateIdentity_AddedLowercaseAuthorizationAndForgedIdentityStripped_SchemeFromTheListener()
    {
        var identity = new FixedIdentity(new HeaderFields.Builder().Add("X-User-Id", "alice").Build());
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Allow(identity, forwardAuthorization: false));
        await using var proxy = new Http2UpstreamHarness(gate, strippedHeaders: ["x-user-id"u8.ToArray()]);
        var (server, _) = InMemoryConnection.CreatePair(new Core.Transport.ListenerInfo(0, "tls", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 8443), Core.Transport.ListenerInfo.HttpsScheme));
        using var stream = new FakeHttp2RequestStream("GET", "/me", [("authorization", "Bearer t"), ("x-user-id", "mallory")], connection: server);
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(204, endStream: true);
        await run;

        Assert.Equal("alice", upstream.Values("x-user-id"));
        Assert.Null(upstream.Header("authorization"));
        // :scheme is this hop's (a plain-text upstream connection here); the client's scheme goes as X-Forwarded-Proto.
        Assert.Equal("http", upstream.Header(":scheme"));
        Assert.Equal("https", upstream.Header("x-forwarded-proto"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Post_BodyAndTrailersBothWays_RelayedAsTheyCome()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/pkg.Svc/Call", [("content-type", "application/grpc"), ("te", "trailers")], hasBody: true, authority: "grpc.test");
        stream.AddRequestTrailer("x-checksum", "abc");
        stream.AddRequestTrailer("authorization", "Bearer late");
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        await stream.SendBodyAsync("msg1", end: false);
        await LoopbackWait(() => string.Equals(upstream.RequestText, "msg1", StringComparison.Ordinal));
        await stream.SendBodyAsync("msg2", end: true);
        await upstream.RequestEnded;
        upstream.Respond(200, [("content-type", "application/grpc"), ("x-meta-bin", "AAEC")]);
        await upstream.SendBodyAsync("reply");
        await upstream.EndBodyAsync(("grpc-status", "0"), ("grpc-message", "ok%20done"), ("x-trace-bin", "AQID"), ("content-length", "9"));
        await run;

        Assert.Equal("msg1msg2", upstream.RequestText);
        Assert.False(upstream.HeadEndedStream);
        Assert.Equal([("x-checksum", "abc")], upstream.RequestTrailers);
        Assert.Equal((200, "reply"), (stream.Status, stream.DataText));
        Assert.Contains(("x-meta-bin", "AAEC"), stream.ResponseFields);
        Assert.Equal([("grpc-status", "0"), ("grpc-message", "ok%20done"), ("x-trace-bin", "AQID")], stream.ResponseTrailers);
        Assert.True(stream.Ended);
        var record = proxy.Observer.Single;
        Assert.Equal((RequestOutcome.Forwarded, 8L, 5L), (record.Outcome, record.BytesIn, record.BytesOut));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Response_TrailersOnly_RelayedAsOneHeadWithEndStream()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/pkg.Svc/Call", [("content-type", "application/grpc")], authority: "grpc.test");
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200, [("content-type", "application/grpc"), ("grpc-status", "5"), ("grpc-message", "not found")], endStream: true);
        await run;

        Assert.Equal((200, true), (stream.Status, stream.HeadEndedStream));
        Assert.Contains(("grpc-status", "5"), stream.ResponseFields);
        Assert.Contains(("grpc-message", "not found"), stream.ResponseFields);
        Assert.Equal("", stream.DataText);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Post_UpstreamTakesNoData_ClientBodyLeftUnconsumedAndItsWritesStall()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/upload", hasBody: true, bodyPauseThreshold: 1500);
        var upstream = new FakeHttp2UpstreamStream();
        upstream.HoldData();
        proxy.Source.Enqueue(upstream);
        var run = proxy.RunAsync(stream);
        await stream.BodyWriter.WriteAsync(new byte[1000], CancellationToken.None);
        await upstream.DataOffered;
        var second = stream.BodyWriter.WriteAsync(new byte[1000], CancellationToken.None);
        await Task.Delay(100, CancellationToken.None);

        // Nothing was consumed while the upstream's window is closed: the client's writes stall (its credit is withheld).
        Assert.False(second.IsCompleted);
        Assert.Equal("", upstream.RequestText);

        upstream.TakeData();
        await second;
        await stream.BodyWriter.CompleteAsync();
        await upstream.RequestEnded;
        upstream.Respond(204, endStream: true);
        await run;
        Assert.Equal(2000, upstream.RequestText.Length);
        Assert.Equal(2000, proxy.Observer.Single.BytesIn);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Get_Refused_RetriedOnceOnANewStream()
    {
        await using var proxy = new Http2UpstreamHarness();
        var refused = new FakeHttp2UpstreamStream();
        proxy.Source.Enqueue(refused);
        var second = new FakeHttp2UpstreamStream();
        proxy.Source.Enqueue(second);
        using var stream = new FakeHttp2RequestStream("POST", "/x");
        var run = proxy.RunAsync(stream);
        refused.Fail(Http2UpstreamHeadOutcome.Refused, Http2ErrorCode.RefusedStream);
        await LoopbackWait(() => proxy.Source.Opened.Count == 2);
        second.Respond(200, endStream: true);
        await run;

        Assert.Equal(200, stream.Status);
        Assert.Equal((1, 1), (refused.Releases, second.Releases));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Post_RefusedWhileItsBodyWasHeld_RetriedWithTheWholeBody()
    {
        await using var proxy = new Http2UpstreamHarness();
        var refused = new FakeHttp2UpstreamStream();
        refused.HoldData();
        proxy.Source.Enqueue(refused);
        var second = new FakeHttp2UpstreamStream();
        proxy.Source.Enqueue(second);
        using var stream = new FakeHttp2RequestStream("POST", "/x", hasBody: true);
        var run = proxy.RunAsync(stream);
        await stream.SendBodyAsync("whole body", end: true);
        await refused.DataOffered;
        refused.Fail(Http2UpstreamHeadOutcome.Refused, Http2ErrorCode.RefusedStream);
        await second.RequestEnded;
        second.Respond(200, endStream: true);
        await run;

        Assert.Equal(("", "whole body"), (refused.RequestText, second.RequestText));
        Assert.Equal(200, stream.Status);
        Assert.Equal(10, proxy.Observer.Single.BytesIn);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Get_RefusedTwice_502AfterExactlyOneRetry()
    {
        await using var proxy = new Http2UpstreamHarness();
        var first = new FakeHttp2UpstreamStream();
        var second = new FakeHttp2UpstreamStream();
        proxy.Source.Enqueue(first);
        proxy.Source.Enqueue(second);
        first.Fail(Http2UpstreamHeadOutcome.Refused, Http2ErrorCode.RefusedStream);
        second.Fail(Http2UpstreamHeadOutcome.Refused, Http2ErrorCode.RefusedStream);
        using var stream = new FakeHttp2RequestStream("GET", "/x");
        await proxy.RunAsync(stream);

        Assert.Equal(502, stream.Status);
        Assert.Equal(2, proxy.Source.Opened.Count);
        Assert.Equal((RequestOutcome.UpstreamFailed, 502), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Post_RefusedAfterBodyBytesConsumed_NotRetried502()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/x", hasBody: true);
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        await stream.SendBodyAsync("part", end: false);
        await LoopbackWait(() => string.Equals(upstream.RequestText, "part", StringComparison.Ordinal));
        upstream.Fail(Http2UpstreamHeadOutcome.Refused, Http2ErrorCode.RefusedStream);
        await run;

        Assert.Equal(502, stream.Status);
        Assert.Single(proxy.Source.Opened);
        Assert.Equal(1, upstream.Releases);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Get_HeadCouldNotBeSent_RetriedOnANewStream()
    {
        await using var proxy = new Http2UpstreamHarness();
        proxy.Source.Enqueue(new FakeHttp2UpstreamStream { HeadSendSucceeds = false });
        var second = new FakeHttp2UpstreamStream();
        proxy.Source.Enqueue(second);
        second.Respond(200, endStream: true);
        using var stream = new FakeHttp2RequestStream("GET", "/x");
        await proxy.RunAsync(stream);

        Assert.Equal(200, stream.Status);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData((int)Http2UpstreamHeadOutcome.Reset, 502)]
    [InlineData((int)Http2UpstreamHeadOutcome.ConnectionLost, 502)]
    [InlineData((int)Http2UpstreamHeadOutcome.Invalid, 502)]
    public async Task Get_UpstreamFailsBeforeHead_StatusAndFailureReported(int outcome, int status)
    {
        await using var proxy = new Http2UpstreamHarness();
        var upstream = new FakeHttp2UpstreamStream();
        upstream.Fail((Http2UpstreamHeadOutcome)outcome, Http2ErrorCode.InternalError);
        proxy.Source.Enqueue(upstream);
        using var stream = new FakeHttp2RequestStream("GET", "/x");
        await proxy.RunAsync(stream);

        Assert.Equal(status, stream.Status);
        Assert.Single(proxy.Source.Opened);
        Assert.Equal(1, proxy.Endpoint.ConsecutiveFailures);
        Assert.Equal(1, upstream.Releases);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(Http2ErrorCode.Cancel, Http2ErrorCode.Cancel)]
    [InlineData(Http2ErrorCode.InternalError, Http2ErrorCode.InternalError)]
    [InlineData(Http2ErrorCode.ProtocolError, Http2ErrorCode.InternalError)]
    [InlineData(Http2ErrorCode.EnhanceYourCalm, Http2ErrorCode.EnhanceYourCalm)]
    public async Task Get_UpstreamResetsAfterHead_ClientStreamResetWithMappedCode(Http2ErrorCode upstreamCode, Http2ErrorCode clientCode)
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("GET", "/x");
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200);
        await upstream.SendBodyAsync("partial");
        await LoopbackWait(() => string.Equals(stream.DataText, "partial", StringComparison.Ordinal));
        upstream.ResetByUpstream(upstreamCode);
        await run;

        Assert.Equal(clientCode, stream.ResetCode);
        Assert.False(stream.Ended);
        Assert.Equal(RequestOutcome.UpstreamFailed, proxy.Observer.Single.Outcome);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientResetWhileAwaitingHead_UpstreamResetWithCancelAndReleased()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/x", hasBody: true);
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        await stream.SendBodyAsync("a", end: false);
        await LoopbackWait(() => string.Equals(upstream.RequestText, "a", StringComparison.Ordinal));
        stream.ClientReset();
        await run;

        Assert.Contains(Http2ErrorCode.Cancel, upstream.Resets);
        Assert.Equal(1, upstream.Releases);
        Assert.Equal(RequestOutcome.ClientFailed, proxy.Observer.Single.Outcome);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClientResetMidResponse_UpstreamResetWithCancel()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("GET", "/x");
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200);
        await upstream.SendBodyAsync("one");
        await LoopbackWait(() => string.Equals(stream.DataText, "one", StringComparison.Ordinal));
        stream.ClientReset();
        await run;

        Assert.Contains(Http2ErrorCode.Cancel, upstream.Resets.Concat(upstream.ResetCode is { } c ? [c] : []));
        Assert.Equal(1, upstream.Releases);
        Assert.Equal(RequestOutcome.ClientFailed, proxy.Observer.Single.Outcome);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ResponseHeadLate_504AndTheStreamDeadlineWasTheResponseTimeout()
    {
        await using var proxy = new Http2UpstreamHarness(options: new Http1ProxyOptions { ResponseTimeout = TimeSpan.FromMilliseconds(200) });
        using var stream = new FakeHttp2RequestStream("GET", "/x");
        await proxy.RunAsync(stream);

        Assert.Equal(504, stream.Status);
        Assert.Equal(1, proxy.Endpoint.ConsecutiveFailures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GrpcTimeout_CappedByTheResponseTimeoutAndForwarded_DeadlineKeptForTheWholeCall()
    {
        await using var proxy = new Http2UpstreamHarness(options: new Http1ProxyOptions { ResponseTimeout = TimeSpan.FromSeconds(2) });
        using var stream = new FakeHttp2RequestStream("POST", "/pkg.Svc/Call", [("content-type", "application/grpc"), ("grpc-timeout", "5S")], authority: "api.test");
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200, [("content-type", "application/grpc")], endStream: true);
        await run;

        Assert.Equal("2000000u", upstream.Values("grpc-timeout"));
        Assert.Equal([TimeSpan.FromSeconds(2)], upstream.Deadlines);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GrpcTimeout_PassesBeforeHead_DeadlineExceededTheGrpcWayNoHealthFailure()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/pkg.Svc/Call", [("content-type", "application/grpc"), ("grpc-timeout", "150m")], authority: "grpc.test");
        await proxy.RunAsync(stream);

        Assert.Equal((200, true), (stream.Status, stream.HeadEndedStream));
        Assert.Contains(("grpc-status", "4"), stream.ResponseFields);
        Assert.Equal(0, proxy.Endpoint.ConsecutiveFailures);
        Assert.Equal(504, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GrpcTimeout_PassesAfterHead_TrailersWithStatus4AndUpstreamCancelled()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/pkg.Svc/Stream", [("content-type", "application/grpc"), ("grpc-timeout", "300m")], authority: "grpc.test");
        var run = proxy.RunAsync(stream);
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200, [("content-type", "application/grpc")]);
        await upstream.SendBodyAsync("m1");
        await run;

        Assert.Equal((200, "m1", true), (stream.Status, stream.DataText, stream.Ended));
        Assert.Equal([("grpc-status", "4"), ("grpc-message", "deadline exceeded")], stream.ResponseTrailers);
        Assert.Null(stream.ResetCode);
        Assert.Contains(Http2ErrorCode.Cancel, upstream.Resets);
        Assert.Equal(504, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GrpcTimeout_Malformed_RefusedAsInternalTheGrpcWay()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/pkg.Svc/Call", [("content-type", "application/grpc"), ("grpc-timeout", "123456789S")], authority: "grpc.test");
        await proxy.RunAsync(stream);

        Assert.Equal((200, true), (stream.Status, stream.HeadEndedStream));
        Assert.Contains(("grpc-status", "13"), stream.ResponseFields);
        Assert.Empty(proxy.Source.Opened);
        Assert.Equal((RequestOutcome.ClientFailed, 400), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
    }

    private static Task LoopbackWait(Func<bool> condition) => LoopbackHelpers.WaitUntilAsync(condition, "condition");

    private sealed class FixedIdentity(HeaderFields headers) : IUpstreamIdentity
    {
        public HeaderFields Headers => headers;
    }
}
