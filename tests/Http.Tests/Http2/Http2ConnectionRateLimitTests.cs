using FastProxy.Core.Limits;
using FastProxy.Http.Http2;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Http.Tests.Http2;

/// <summary>The per-connection request rate limit on HTTP/2 (Http2Connection.RateLimit.cs): 429 per stream, GOAWAY for a flood.</summary>
public sealed class Http2ConnectionRateLimitTests
{
    private static Http2ConnectionOptions Limited(FakeTimeProvider time, int perSecond, int burst) => new()
    {
        Time = time,
        RequestRate = () => new RequestRateLimit(perSecond, burst),
    };

    [Fact]
    public async Task StreamPastTheBurst_429WithRetryAfter_HandlerNeverSeesIt()
    {
        var handled = 0;
        var handler = new ScriptedHandler(stream =>
        {
            Interlocked.Increment(ref handled);
            return new EchoHandler().HandleAsync(stream);
        });
        var options = Limited(new FakeTimeProvider(), 2, 2);
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler, options);

        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.SendHeadersAsync(3, endStream: true, Http2TestClient.Get());
        await server.Client.SendHeadersAsync(5, endStream: true, Http2TestClient.Get());

        Assert.Equal(200, (await server.Client.ReadResponseAsync(1)).Status);
        Assert.Equal(200, (await server.Client.ReadResponseAsync(3)).Status);
        var refused = await server.Client.ReadResponseAsync(5);
        Assert.Equal(429, refused.Status);
        Assert.Equal("1", refused.Field("retry-after"));
        Assert.Null(refused.Reset);
        Assert.Equal(2, Volatile.Read(ref handled));
        Assert.Equal(1, options.RateLimited.Count);
        Assert.True(server.Logger.Contains("over the rate limit of 2/s"));
    }

    [Fact]
    public async Task GrpcCallPastTheBurst_TrailersOnly200WithResourceExhausted()
    {
        var time = new FakeTimeProvider();
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: Limited(time, 1, 1));
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(1)).Status);

        await server.Client.SendHeadersAsync(3, endStream: false, Http2TestClient.Post("/echo.Echo/Say", extra: [("content-type", "application/grpc+proto"), ("te", "trailers")]));
        var refused = await server.Client.ReadResponseAsync(3);

        // A gRPC client reads grpc-status; a 429 would surface as a transport error rather than RESOURCE_EXHAUSTED.
        Assert.Equal(200, refused.Status);
        Assert.Equal("8", refused.Field("grpc-status"));
        Assert.Equal("too many requests", refused.Field("grpc-message"));
        Assert.Equal("application/grpc", refused.Field("content-type"));
        Assert.Equal(Http2ErrorCode.NoError, await server.Client.ExpectRstStreamAsync(3));
    }

    [Fact]
    public async Task StreamWithBodyPastTheBurst_429ThenRstStreamNoError_ConnectionGoesOn()
    {
        var time = new FakeTimeProvider();
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: Limited(time, 1, 1));
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(1)).Status);

        await server.Client.SendHeadersAsync(3, endStream: false, Http2TestClient.Post());
        var refused = await server.Client.ReadResponseAsync(3);
        Assert.Equal(429, refused.Status);
        Assert.Equal(Http2ErrorCode.NoError, await server.Client.ExpectRstStreamAsync(3));

        // The body the client had in flight is ignored, and once a token is back the next stream is served.
        await server.Client.SendDataAsync(3, new byte[10], endStream: true);
        time.Advance(TimeSpan.FromSeconds(1));
        await server.Client.SendHeadersAsync(5, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(5)).Status);
    }

    [Fact]
    public async Task FloodPastTenBurstsRefused_GoAwayEnhanceYourCalm()
    {
        var options = Limited(new FakeTimeProvider(), 2, 2);
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: options);

        // 2 admitted, then 10 x 2 refused are tolerated; the 21st refusal ends the connection.
        var id = 1;
        for (var i = 0; i < 2 + 21; i++, id += 2)
        {
            await server.Client.SendHeadersAsync(id, endStream: true, Http2TestClient.Get());
        }

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, (await server.Client.ExpectGoAwayAsync()).Code);
        Assert.True(await server.Client.ClosedAsync());
        Assert.Equal(21, options.RateLimited.Count);
        Assert.True(server.Logger.Contains("request rate flood"));
    }

    [Fact]
    public async Task RefusalsSpreadOverFloodWindows_ConnectionGoesOn()
    {
        var time = new FakeTimeProvider();
        var options = new Http2ConnectionOptions { Time = time, RequestRate = () => new RequestRateLimit(1, 1), FloodWindow = TimeSpan.FromSeconds(10) };
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: options);

        // Eight refusals per window, three windows: more than ten bursts (10) in all, never in one window.
        var id = 1;
        for (var window = 0; window < 3; window++)
        {
            for (var i = 0; i < 9; i++, id += 2)
            {
                await server.Client.SendHeadersAsync(id, endStream: true, Http2TestClient.Get());
                await server.Client.ReadResponseAsync(id);
            }

            time.Advance(TimeSpan.FromSeconds(11));
        }

        await server.Client.SendHeadersAsync(id, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(id)).Status);
        Assert.Equal(24, options.RateLimited.Count);
    }

    [Fact]
    public async Task NoLimit_ManyStreams_AllServed()
    {
        var options = new Http2ConnectionOptions { Time = new FakeTimeProvider() };
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: options);

        for (var id = 1; id < 100; id += 2)
        {
            await server.Client.SendHeadersAsync(id, endStream: true, Http2TestClient.Get());
            Assert.Equal(200, (await server.Client.ReadResponseAsync(id)).Status);
        }

        Assert.Equal(0, options.RateLimited.Count);
    }

    [Fact]
    public async Task LimitReadOncePerConnection_ChangeAppliesToNewConnections()
    {
        var limit = new RequestRateLimit(1, 1);
        var options = new Http2ConnectionOptions { Time = new FakeTimeProvider(), RequestRate = () => limit };
        await using var first = await Http2TestServer.StartAndHandshakeAsync(options: options);
        limit = RequestRateLimit.Unlimited;
        await using var second = await Http2TestServer.StartAndHandshakeAsync(options: options);

        for (var id = 1; id <= 3; id += 2)
        {
            await first.Client.SendHeadersAsync(id, endStream: true, Http2TestClient.Get());
            await second.Client.SendHeadersAsync(id, endStream: true, Http2TestClient.Get());
        }

        Assert.Equal(429, (await first.Client.ReadResponseAsync(3)).Status);
        Assert.Equal(200, (await second.Client.ReadResponseAsync(3)).Status);
    }
}
