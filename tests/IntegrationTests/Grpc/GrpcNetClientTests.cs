using System.Diagnostics;
using FastProxy.GrpcTestServer.Echo;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests.Grpc;

/// <summary>
/// gRPC through the proxy with Grpc.Net.Client (a client we did not write) against the echo test server: the four
/// call shapes with 100+ messages each way, a 1 MB message, metadata and trailers incl. -bin, deadlines, cancellation,
/// refusals the gRPC way, an upstream restart. Needs the proxy's HTTP/2 upstream side (trait NeedsH2Upstream);
/// FASTPROXY_GRPC_DIRECT=1 runs the call-shape tests against the server directly (<see cref="GrpcProxyFixture"/>).
/// </summary>
[Trait("Category", "NeedsH2Upstream")]
public sealed class GrpcNetClientTests(GrpcProxyFixture fixture, ITestOutputHelper output) : IClassFixture<GrpcProxyFixture>, IDisposable
{
    private const int Many = 150;

    public void Dispose()
    {
        if (fixture.Proxy is { } proxy)
        {
            output.WriteLine(proxy.Output);
        }
    }

    [Fact]
    public async Task Unary_Allowed_ReplyAndOkStatus()
    {
        var call = fixture.Client().UnaryAsync(new EchoRequest { Message = "hello", PayloadSize = 10 }, fixture.Auth());

        var reply = await call;
        Assert.Equal("hello", reply.Message);
        Assert.Equal(10, reply.Payload.Length);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStream_ManyReplies_AllInOrder()
    {
        using var call = fixture.Client().ServerStream(new EchoRequest { Message = "s", Responses = Many, PayloadSize = 100 }, fixture.Auth());

        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
            Assert.Equal(100, reply.Payload.Length);
        }

        Assert.Equal(Enumerable.Range(0, Many), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ClientStream_ManyRequests_AllCounted()
    {
        using var call = fixture.Client().ClientStream(fixture.Auth());
        for (var i = 0; i < Many; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "c", Payload = ByteString.CopyFrom(new byte[10]) });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(Many, reply.Received);
        Assert.Equal(Many * 10, reply.ReceivedBytes);
    }

    [Fact]
    public async Task Bidi_ManyEachWay_EachAnsweredAsItComes()
    {
        using var call = fixture.Client().Bidi(fixture.Auth());
        for (var i = 0; i < Many; i++)
        {
            // Lock-step: the reply to request i arrives before request i+1 is sent, so nothing is buffered whole.
            await call.RequestStream.WriteAsync(new EchoRequest { Message = "b" + i });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal("b" + i, call.ResponseStream.Current.Message);
            Assert.Equal(i + 1, call.ResponseStream.Current.Received);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_OneMegabyteEachWay_BytesIntact()
    {
        var payload = new byte[1024 * 1024];
        Random.Shared.NextBytes(payload);

        var reply = await fixture.Client().UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(payload), PayloadSize = 1024 * 1024 }, fixture.Auth());

        Assert.Equal(1024 * 1024, reply.ReceivedBytes);
        Assert.Equal(1024 * 1024, reply.Payload.Length);
        Assert.Equal(250, reply.Payload[250]);
        Assert.Equal(0, reply.Payload[251]);
    }

    [Fact]
    public async Task Metadata_TextAndBin_EchoedAsHeadersAndTrailers()
    {
        var metadata = fixture.Auth();
        metadata.Add("x-echo-text", "plain value");
        metadata.Add("x-echo-data-bin", new byte[] { 0, 1, 2, 0xff, 0xfe });
        var call = fixture.Client().UnaryAsync(new EchoRequest { Message = "m", EchoMetadata = true }, metadata);

        var headers = await call.ResponseHeadersAsync;
        await call;
        var trailers = call.GetTrailers();

        Assert.Equal("plain value", headers.GetValue("x-echo-text"));
        Assert.Equal(new byte[] { 0, 1, 2, 0xff, 0xfe }, headers.GetValueBytes("x-echo-data-bin"));
        Assert.Equal("plain value", trailers.GetValue("x-echo-text-t"));
        Assert.Equal(new byte[] { 0, 1, 2, 0xff, 0xfe }, trailers.GetValueBytes("x-echo-data-t-bin"));
    }

    [Fact]
    public async Task UpstreamStatus_WithMessage_RelayedUnchanged()
    {
        var call = fixture.Client().UnaryAsync(new EchoRequest { FailStatus = (int)StatusCode.FailedPrecondition, FailMessage = "not now: é" }, fixture.Auth());

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("not now: é", error.Status.Detail);
    }

    [Fact]
    public async Task ServerStream_StatusAfterReplies_RepliesThenStatus()
    {
        using var call = fixture.Client().ServerStream(new EchoRequest { Responses = 3, FailStatus = (int)StatusCode.Aborted, FailMessage = "late" }, fixture.Auth());

        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
                received++;
            }
        });
        Assert.Equal(3, received);
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
    }

    [Fact]
    public async Task Deadline_UpstreamSlowerThanDeadline_DeadlineExceeded()
    {
        var stopwatch = Stopwatch.StartNew();
        var call = fixture.Client().UnaryAsync(new EchoRequest { DelayMs = 5000 }, fixture.Auth(), deadline: DateTime.UtcNow.AddMilliseconds(500));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Deadline_RouteTimeoutBelowClientDeadline_DeadlineExceededFromTheProxy()
    {
        if (GrpcProxyFixture.Direct)
        {
            return; // only the proxy has a route timeout
        }

        var stopwatch = Stopwatch.StartNew();
        var call = fixture.Client().UnaryAsync(new EchoRequest { DelayMs = 8000 }, fixture.Auth(), deadline: DateTime.UtcNow.AddSeconds(20));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(GrpcProxyFixture.ResponseSeconds + 3), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task ClientCancel_MidStream_ReachesTheUpstream()
    {
        var client = fixture.Client();
        await client.StatsAsync(new StatsRequest { Reset = true }, fixture.Auth());
        using var cancel = new CancellationTokenSource();
        using var call = client.ServerStream(new EchoRequest { Message = "long", Responses = 1000, DelayMs = 50 }, fixture.Auth(), cancellationToken: cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext());

        await cancel.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        StatsReply stats = null!;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            stats = await client.StatsAsync(new StatsRequest(), fixture.Auth());
            if (stats.Cancellations > 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Contains("ServerStream:cancelled", stats.Cancelled, StringComparer.Ordinal);
    }

    [Fact]
    public async Task NoToken_Unauthenticated()
    {
        if (GrpcProxyFixture.Direct)
        {
            return; // the test server has no gate
        }

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client().UnaryAsync(new EchoRequest(), fixture.Auth(role: null)));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.False(string.IsNullOrEmpty(error.Status.Detail));
    }

    [Fact]
    public async Task WrongRole_PermissionDenied()
    {
        if (GrpcProxyFixture.Direct)
        {
            return;
        }

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client().UnaryAsync(new EchoRequest(), fixture.Auth("writer")));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.False(string.IsNullOrEmpty(error.Status.Detail));
    }

    [Fact]
    public async Task UnknownMethodOnTheRoute_UnimplementedFromTheUpstream()
    {
        var method = new Method<EchoRequest, EchoReply>(MethodType.Unary, "echo.Echo", "Nope", Marshallers.Create(r => r.ToByteArray(), EchoRequest.Parser.ParseFrom), Marshallers.Create(r => r.ToByteArray(), EchoReply.Parser.ParseFrom));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Channel().CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(fixture.Auth()), new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task ServiceWithoutRoute_RefusedTheGrpcWay()
    {
        if (GrpcProxyFixture.Direct)
        {
            return;
        }

        var method = new Method<EchoRequest, EchoReply>(MethodType.Unary, "other.Other", "Call", Marshallers.Create(r => r.ToByteArray(), EchoRequest.Parser.ParseFrom), Marshallers.Create(r => r.ToByteArray(), EchoReply.Parser.ParseFrom));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Channel().CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(fixture.Auth()), new EchoRequest()));

        // No route: the policy refuses (403 -> PERMISSION_DENIED, or 404 -> UNIMPLEMENTED), never an HTTP error status.
        Assert.True(error.StatusCode is StatusCode.PermissionDenied or StatusCode.Unimplemented, error.ToString());
    }

    [Fact]
    public async Task UpstreamDown_Unavailable()
    {
        if (GrpcProxyFixture.Direct)
        {
            return;
        }

        var method = new Method<EchoRequest, EchoReply>(MethodType.Unary, "down.Down", "Call", Marshallers.Create(r => r.ToByteArray(), EchoRequest.Parser.ParseFrom), Marshallers.Create(r => r.ToByteArray(), EchoReply.Parser.ParseFrom));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Channel().CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(fixture.Auth()), new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task BodyAboveLimit_ResourceExhausted()
    {
        if (GrpcProxyFixture.Direct)
        {
            return;
        }

        var payload = new byte[GrpcProxyFixture.MaxBodyBytes + 1024];

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client().UnaryAsync(new EchoRequest { Payload = ByteString.CopyFrom(payload) }, fixture.Auth()));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }
}
