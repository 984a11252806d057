using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Proxy;
using FastProxy.Http.Tests.Proxy.Fakes;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// Refusals the gRPC way over HTTP/2: a gRPC call (a route marked `grpc: true`, or content-type application/grpc*)
/// refused anywhere gets one HEADERS with END_STREAM: :status 200, content-type application/grpc, grpc-status,
/// grpc-message; the record keeps the HTTP status the refusal stands for.
/// </summary>
public sealed class Http2ProxyStreamGrpcRefusalTests
{
    private const int TestTimeout = 30_000;

    private static FakeHttp2RequestStream GrpcCall(string authority = "grpc.test", string method = "POST", bool contentType = false, bool hasBody = false, long declaredLength = -1)
        => new(method, "/pkg.Svc/Call", contentType ? [("content-type", "application/grpc+proto")] : [], hasBody: hasBody, declaredLength: declaredLength, authority: authority);

    private static void AssertGrpcRefusal(FakeHttp2RequestStream stream, string grpcStatus)
    {
        Assert.Equal((200, true), (stream.Status, stream.HeadEndedStream));
        Assert.Contains(("content-type", "application/grpc"), stream.ResponseFields);
        Assert.Contains(("grpc-status", grpcStatus), stream.ResponseFields);
        Assert.Contains(stream.ResponseFields, f => string.Equals(f.Name, "grpc-message", StringComparison.Ordinal) && f.Value.Length > 0);
        Assert.DoesNotContain(stream.ResponseFields, f => string.Equals(f.Name, "www-authenticate", StringComparison.Ordinal));
        Assert.Equal("", stream.DataText);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(401, "16")]
    [InlineData(403, "7")]
    [InlineData(429, "8")]
    public async Task GateDenies_GrpcRoute_GrpcStatusAndTheRecordKeepsTheDecision(int status, string grpcStatus)
    {
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Deny(status, HeaderFields.Create("WWW-Authenticate", "Bearer"), "{}"u8.ToArray()));
        await using var proxy = new Http2UpstreamHarness(gate);
        using var stream = GrpcCall();
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, grpcStatus);
        Assert.Equal((RequestOutcome.Denied, status), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GateDenies_GrpcContentTypeOnAPlainRoute_AnsweredTheGrpcWay()
    {
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Deny(401, null, default));
        await using var proxy = new Http2UpstreamHarness(gate);
        using var stream = GrpcCall(authority: "api.test", contentType: true);
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "16");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GateDenies_PlainRequestOnAPlainRoute_StaysHttp()
    {
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Deny(403, null, "{}"u8.ToArray()));
        await using var proxy = new Http2UpstreamHarness(gate);
        using var stream = GrpcCall(authority: "api.test");
        await proxy.RunAsync(stream);

        Assert.Equal(403, stream.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NoRoute_GrpcContentType_Unimplemented()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = GrpcCall(authority: "nowhere.test", contentType: true);
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "12");
        Assert.Equal(404, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MethodNotAllowed_GrpcContentType_Unimplemented()
    {
        await using var proxy = new Http2UpstreamHarness();
        using var stream = new FakeHttp2RequestStream("POST", "/get-only", [("content-type", "application/grpc")], authority: "other.test");
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "12");
        Assert.Equal(405, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BodyOverTheLimit_ResourceExhausted()
    {
        await using var proxy = new Http2UpstreamHarness(options: new Http1ProxyOptions { MaxRequestBodyBytes = 10 });
        using var stream = GrpcCall(hasBody: true, declaredLength: 11);
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "8");
        Assert.Equal(413, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ConnectFailsTwice_Unavailable()
    {
        await using var proxy = new Http2UpstreamHarness();
        proxy.Source.EnqueueConnectFailure();
        proxy.Source.EnqueueConnectFailure();
        using var stream = GrpcCall();
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "14");
        Assert.Equal(502, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ConnectFailsOnce_RetriedAndServed()
    {
        await using var proxy = new Http2UpstreamHarness();
        proxy.Source.EnqueueConnectFailure();
        var upstream = new FakeHttp2UpstreamStream();
        upstream.Respond(200, [("grpc-status", "0")], endStream: true);
        proxy.Source.Enqueue(upstream);
        using var stream = GrpcCall();
        await proxy.RunAsync(stream);

        Assert.Equal(200, stream.Status);
        Assert.Contains(("grpc-status", "0"), stream.ResponseFields);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task PoolExhausted_Unavailable()
    {
        await using var proxy = new Http2UpstreamHarness();
        proxy.Source.EnqueueOverload();
        using var stream = GrpcCall();
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "14");
        Assert.Equal(503, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NoHealthyEndpoint_Unavailable()
    {
        await using var proxy = new Http2UpstreamHarness(ejectAfter: 1);
        proxy.Endpoint.ReportFailure();
        using var stream = GrpcCall();
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "14");
        Assert.Equal(503, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamResetBeforeHead_Unavailable()
    {
        await using var proxy = new Http2UpstreamHarness();
        var upstream = new FakeHttp2UpstreamStream();
        upstream.Fail(Http2UpstreamHeadOutcome.Reset, FastProxy.Http.Http2.Http2ErrorCode.InternalError);
        proxy.Source.Enqueue(upstream);
        using var stream = GrpcCall();
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "14");
        Assert.Equal(502, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ResponseTimeout_DeadlineExceeded()
    {
        await using var proxy = new Http2UpstreamHarness(options: new Http1ProxyOptions { ResponseTimeout = TimeSpan.FromMilliseconds(150) });
        using var stream = GrpcCall();
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "4");
        Assert.Equal(504, proxy.Observer.Single.Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task IdentityUnavailable_SecondRetry_Unavailable()
    {
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Retry(Task.CompletedTask));
        await using var proxy = new Http2UpstreamHarness(gate);
        using var stream = GrpcCall();
        await proxy.RunAsync(stream);

        AssertGrpcRefusal(stream, "14");
        Assert.Equal((RequestOutcome.Denied, 503), (proxy.Observer.Single.Outcome, proxy.Observer.Single.Status));
    }
}
