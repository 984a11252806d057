using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Http.Http2;
using FastProxy.Http.Tests.Proxy.Fakes;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>
/// HTTP/1.1 client -> HTTP/2 upstream: the head as HTTP/2 fields, bodies by length and chunked (trailers both ways),
/// the response restated as HTTP/1.1, an upstream reset mid-body closing the connection, and gRPC refusals over HTTP/1.1.
/// </summary>
public sealed class Http1ProxyConnectionHttp2UpstreamTests
{
    private const int TestTimeout = 30_000;

    [Fact(Timeout = TestTimeout)]
    public async Task Get_HostBecomesAuthority_ResponseWithContentLengthKeptAndConnectionReused()
    {
        await using var proxy = await Http1ToHttp2Harness.StartAsync();
        using var client = await proxy.ConnectAsync();
        await client.SendAsync("GET /a?x=1 HTTP/1.1\r\nHost: api.test:8080\r\nX-Custom: V\r\nTE: trailers\r\nConnection: TE\r\n\r\n");
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200, [("content-length", "2"), ("x-reply", "1")]);
        await upstream.SendBodyAsync("hi");
        await upstream.EndBodyAsync();
        var (head, body) = await client.ReadResponseAsync();

        Assert.Equal("GET", upstream.Header(":method"));
        Assert.Equal("api.test:8080", upstream.Header(":authority"));
        Assert.Equal("/a?x=1", upstream.Header(":path"));
        Assert.Equal("V", upstream.Header("x-custom"));
        Assert.Null(upstream.Header("host"));
        Assert.Equal("trailers", upstream.Header("te"));
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains("content-length: 2\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-reply: 1\r\n", head, StringComparison.Ordinal);
        Assert.Equal("hi", body);

        // The connection carries the next request.
        var second = new FakeHttp2UpstreamStream();
        second.Respond(204, endStream: true);
        proxy.Source.Enqueue(second);
        await client.SendAsync("GET /b HTTP/1.1\r\nHost: api.test\r\n\r\n");
        var (head2, _) = await client.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 204 No Content\r\n", head2, StringComparison.Ordinal);
        await proxy.SettledAsync(records: 2);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Http10WithoutHost_NoAuthorityPseudoHeader()
    {
        // RFC 9113 §8.3.1: no :authority when there is no authority to convey, rather than an empty one.
        await using var proxy = await Http1ToHttp2Harness.StartAsync();
        using var client = await proxy.ConnectAsync();
        await client.SendAsync("GET /a HTTP/1.0\r\n\r\n");
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(204, endStream: true);
        var (head, _) = await client.ReadResponseAsync();

        Assert.Null(upstream.Header(":authority"));
        Assert.Equal("/a", upstream.Header(":path"));
        Assert.StartsWith("HTTP/1.1 204", head, StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ChunkedRequestWithTrailers_DataAndHttp2Trailers_ChunkedResponseWithTrailersForTeTrailers()
    {
        await using var proxy = await Http1ToHttp2Harness.StartAsync();
        using var client = await proxy.ConnectAsync();
        await client.SendAsync("POST /up HTTP/1.1\r\nHost: api.test\r\nTE: trailers\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 9\r\nAuthorization: late\r\n\r\n");
        var upstream = await proxy.Source.FirstAsync();
        await upstream.RequestEnded;
        upstream.Respond(200, [("content-type", "application/grpc")]);
        await upstream.SendBodyAsync("reply");
        await upstream.EndBodyAsync(("grpc-status", "0"), ("x-trace-bin", "AQID"));
        var head = await client.ReadHeadAsync();
        var rest = await client.ReadHeadAsync();

        Assert.Equal("hello world", upstream.RequestText);
        Assert.Equal([("x-sum", "9")], upstream.RequestTrailers);
        Assert.Contains("Transfer-Encoding: chunked\r\n", head, StringComparison.Ordinal);
        Assert.Equal("5\r\nreply\r\n0\r\ngrpc-status: 0\r\nx-trace-bin: AQID\r\n\r\n", rest);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task PostByLength_WithoutTeTrailers_TrailersDropped()
    {
        await using var proxy = await Http1ToHttp2Harness.StartAsync();
        using var client = await proxy.ConnectAsync();
        await client.SendAsync("POST /up HTTP/1.1\r\nHost: api.test\r\nContent-Length: 3\r\n\r\nabc");
        var upstream = await proxy.Source.FirstAsync();
        await upstream.RequestEnded;
        upstream.Respond(200);
        await upstream.SendBodyAsync("ok");
        await upstream.EndBodyAsync(("grpc-status", "0"));
        var head = await client.ReadHeadAsync();
        var rest = await client.ReadHeadAsync();

        Assert.Equal("abc", upstream.RequestText);
        Assert.Equal("3", upstream.Header("content-length"));
        Assert.Equal("2\r\nok\r\n0\r\n\r\n", rest);
        await proxy.SettledAsync(records: 1);
        Assert.Equal((RequestOutcome.Forwarded, 3L, 2L), (proxy.Observer.Records.Single().Outcome, proxy.Observer.Records.Single().BytesIn, proxy.Observer.Records.Single().BytesOut));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task UpstreamResetMidBody_ClientConnectionClosedWithoutALastChunk()
    {
        await using var proxy = await Http1ToHttp2Harness.StartAsync();
        using var client = await proxy.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: api.test\r\n\r\n");
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200);
        await upstream.SendBodyAsync("part");
        await client.ReadHeadAsync();
        upstream.ResetByUpstream(Http2ErrorCode.InternalError);
        var (data, _) = await client.ReadToEndAsync();

        Assert.DoesNotContain("0\r\n\r\n", data, StringComparison.Ordinal);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(RequestOutcome.UpstreamFailed, proxy.Observer.Records.Single().Outcome);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task TrailersOnlyResponse_ContentLengthZeroWithTheGrpcFields()
    {
        await using var proxy = await Http1ToHttp2Harness.StartAsync();
        using var client = await proxy.ConnectAsync();
        await client.SendAsync("POST /pkg.Svc/Call HTTP/1.1\r\nHost: grpc.test\r\nContent-Length: 0\r\n\r\n");
        var upstream = await proxy.Source.FirstAsync();
        upstream.Respond(200, [("grpc-status", "5")], endStream: true);
        var (head, body) = await client.ReadResponseAsync();

        Assert.Contains("grpc-status: 5\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 0\r\n", head, StringComparison.Ordinal);
        Assert.Equal("", body);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(401, "16", 401)]
    [InlineData(403, "7", 403)]
    public async Task GateDenies_GrpcRoute_200WithGrpcStatusAndEmptyBody(int status, string grpcStatus, int recorded)
    {
        var gate = new Http2ProxyHarness.ScriptedGate(GateDecision.Deny(status, HeaderFields.Create("WWW-Authenticate", "Bearer"), "{}"u8.ToArray()));
        await using var proxy = await Http1ToHttp2Harness.StartAsync(gate);
        using var client = await proxy.ConnectAsync();
        await client.SendAsync("POST /pkg.Svc/Call HTTP/1.1\r\nHost: grpc.test\r\nContent-Length: 0\r\n\r\n");
        var (head, body) = await client.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains("content-type: application/grpc\r\n", head, StringComparison.Ordinal);
        Assert.Contains($"grpc-status: {grpcStatus}\r\n", head, StringComparison.Ordinal);
        Assert.Contains("grpc-message: ", head, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 0\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("WWW-Authenticate", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", body);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(recorded, proxy.Observer.Records.Single().Status);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("connect", "14", 502)]
    [InlineData("overload", "14", 503)]
    [InlineData("timeout", "4", 504)]
    [InlineData("bad-timeout", "13", 400)]
    public async Task Refusals_GrpcContentType_AnsweredTheGrpcWay(string failure, string grpcStatus, int recorded)
    {
        await using var proxy = await Http1ToHttp2Harness.StartAsync(options: new FastProxy.Http.Proxy.Http1ProxyOptions { ResponseTimeout = TimeSpan.FromMilliseconds(200) });
        var extra = "";
        switch (failure)
        {
            case "connect":
                proxy.Source.EnqueueConnectFailure();
                proxy.Source.EnqueueConnectFailure();
                break;
            case "overload":
                proxy.Source.EnqueueOverload();
                break;
            case "bad-timeout":
                extra = "grpc-timeout: 1x\r\n";
                break;
        }

        using var client = await proxy.ConnectAsync();
        await client.SendAsync($"POST /pkg.Svc/Call HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/grpc\r\n{extra}Content-Length: 0\r\n\r\n");
        var (head, _) = await client.ReadResponseAsync();

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains($"grpc-status: {grpcStatus}\r\n", head, StringComparison.Ordinal);
        await proxy.SettledAsync(records: 1);
        Assert.Equal(recorded, proxy.Observer.Records.Single().Status);
    }
}
