using System.Buffers;
using System.Text;
using FastProxy.Core.Upstream;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Tests.Http2.Client;

/// <summary>The HTTP/2 upstream client against a scripted raw-frame upstream that misbehaves.</summary>
public sealed class Http2UpstreamMisbehaviourTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RstStreamRefused_BeforeAnyResponse_IsRefused()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendRstStreamAsync(headers.StreamId, Http2ErrorCode.RefusedStream);
        var outcome = await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.Equal(Http2UpstreamHeadOutcome.Refused, outcome);
        Assert.Equal(Http2ErrorCode.RefusedStream, stream.ResetCode);
        stream.Release();
    }

    [Fact]
    public async Task RstStreamInternalError_BeforeTheHead_IsReset()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendRstStreamAsync(headers.StreamId, Http2ErrorCode.InternalError);

        Assert.Equal(Http2UpstreamHeadOutcome.Reset, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.Equal(Http2ErrorCode.InternalError, stream.ResetCode);
        stream.Release();
    }

    [Theory]
    [InlineData("bad status", ":status", "2000")]
    [InlineData("connection-specific field", "connection", "close")]
    [InlineData("transfer-encoding", "transfer-encoding", "chunked")]
    [InlineData("request pseudo-header", ":path", "/")]
    [InlineData("uppercase name", "X-Upper", "1")]
    public async Task InvalidResponseHead_IsInvalid_AndResetWithProtocolError(string why, string name, string value)
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        (string, string)[] fields = string.Equals(name, ":status", StringComparison.Ordinal) ? [(name, value)] : [(":status", "200"), (name, value)];
        await peer.SendHeadersAsync(headers.StreamId, endStream: true, fields);

        Assert.True(Http2UpstreamHeadOutcome.Invalid == await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout), why);
        Assert.Equal(Http2ErrorCode.ProtocolError, await peer.ExpectRstStreamAsync(headers.StreamId));
        Assert.Contains(pool.Log.Lines, l => l.Contains("invalid response", StringComparison.Ordinal));
        stream.Release();
    }

    [Fact]
    public async Task MissingStatus_IsInvalid()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendHeadersAsync(headers.StreamId, endStream: true, ("x-a", "1"));

        Assert.Equal(Http2UpstreamHeadOutcome.Invalid, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        stream.Release();
    }

    [Fact]
    public async Task PseudoHeaderInTrailers_AbortsTheBody_AndResetsWithProtocolError()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendHeadersAsync(headers.StreamId, endStream: false, (":status", "200"));
        await peer.SendDataAsync(headers.StreamId, "abc"u8.ToArray(), endStream: false);
        await peer.SendHeadersAsync(headers.StreamId, endStream: true, (":status", "200"));

        Assert.Equal(Http2UpstreamHeadOutcome.Complete, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        var ex = await Assert.ThrowsAsync<Http2StreamAbortedException>(() => Http2Exchange.ReadBodyAsync(stream).WaitAsync(Timeout));
        Assert.Equal(Http2ErrorCode.ProtocolError, ex.ErrorCode);
        Assert.Equal(Http2ErrorCode.ProtocolError, await peer.ExpectRstStreamAsync(headers.StreamId));
        stream.Release();
    }

    [Fact]
    public async Task InterimHeads_AreDropped_FinalHeadAndTrailersArrive()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendHeadersAsync(headers.StreamId, endStream: false, (":status", "103"), ("link", "</a>"));
        await peer.SendHeadersAsync(headers.StreamId, endStream: false, (":status", "200"), ("content-type", "application/grpc"));
        await peer.SendDataAsync(headers.StreamId, "body"u8.ToArray(), endStream: false, padLength: 10);
        await peer.SendHeadersAsync(headers.StreamId, endStream: true, ("grpc-status", "0"));

        Assert.Equal(Http2UpstreamHeadOutcome.Complete, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.Equal(200, stream.Status);
        Assert.Equal(1, stream.ResponseFieldCount);
        Assert.Equal("body", await Http2Exchange.ReadBodyAsync(stream).WaitAsync(Timeout));
        Assert.Equal(1, stream.ResponseTrailerCount);
        stream.GetResponseTrailer(0, out var name, out var value);
        Assert.Equal("grpc-status", Encoding.ASCII.GetString(name));
        Assert.Equal("0", Encoding.ASCII.GetString(value));
        stream.Release();
    }

    [Fact]
    public async Task ContentLengthShorterThanData_IsResetWithProtocolError()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendHeadersAsync(headers.StreamId, endStream: false, (":status", "200"), ("content-length", "2"));
        await peer.SendDataAsync(headers.StreamId, "abc"u8.ToArray(), endStream: true);

        Assert.Equal(Http2UpstreamHeadOutcome.Complete, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        await Assert.ThrowsAsync<Http2StreamAbortedException>(() => Http2Exchange.ReadBodyAsync(stream).WaitAsync(Timeout));
        Assert.Equal(Http2ErrorCode.ProtocolError, await peer.ExpectRstStreamAsync(headers.StreamId));
        stream.Release();
    }

    [Fact]
    public async Task PushPromise_IsAConnectionError_StreamsLoseTheConnection()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        var promise = new byte[4 + 1];
        promise[3] = 2;
        promise[4] = 0x82; // :method GET (static index 2)
        await peer.SendRawAsync(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, headers.StreamId, promise);

        Assert.Equal(Http2UpstreamHeadOutcome.ConnectionLost, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        var (_, code) = await peer.ExpectGoAwayAsync();
        Assert.Equal(Http2ErrorCode.ProtocolError, code);
        stream.Release();
        await WaitUntilAsync(() => pool.Pool.OpenConnections == 0);
    }

    [Fact]
    public async Task GoAwayMidLoad_RefusedStreamsRetriedOnANewConnection_EveryRequestAnsweredExactlyOnce()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var processed = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        // The "adapter": a request refused (never processed) is sent again on a new stream.
        async Task<string> SendWithRetryAsync(int i)
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var stream = await pool.Pool.OpenStreamAsync(CancellationToken.None);
                var exchange = await Http2Exchange.RunAsync(stream, path: "/r" + i);
                if (exchange.Outcome != Http2UpstreamHeadOutcome.Refused)
                {
                    Assert.Equal(200, exchange.Status);
                    return exchange.Body;
                }
            }

            throw new InvalidOperationException("refused five times");
        }

        var requests = Enumerable.Range(0, 6).Select(SendWithRetryAsync).ToArray();

        // First upstream: takes six streams, processes the first three, GOAWAY with the third as the last.
        var first = await upstream.AcceptAsync();
        var streams = new List<Http2TestClient.Frame>();
        while (streams.Count < 6)
        {
            streams.Add(await first.ExpectAsync(Http2FrameType.Headers));
        }

        streams.Sort((a, b) => a.StreamId.CompareTo(b.StreamId));
        await first.SendRawAsync(Http2FrameType.GoAway, 0, 0, GoAwayPayload(streams[2].StreamId, Http2ErrorCode.NoError));
        foreach (var frame in streams.Take(3))
        {
            await AnswerAsync(first, frame, processed);
        }

        // Second upstream: the three refused ones come back, and are answered.
        var second = await upstream.AcceptAsync();
        for (var i = 0; i < 3; i++)
        {
            await AnswerAsync(second, await second.ExpectAsync(Http2FrameType.Headers), processed);
        }

        var bodies = await Task.WhenAll(requests).WaitAsync(Timeout);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => "/r" + i).Order(StringComparer.Ordinal), bodies.Order(StringComparer.Ordinal));
        Assert.Equal(6, processed.Count);
        Assert.All(processed.Values, count => Assert.Equal(1, count));
        await WaitUntilAsync(() => pool.Pool.OpenConnections == 1);
    }

    [Fact]
    public async Task UpstreamNeverOpensItsWindow_WriteWaits_TheDeadlineEndsIt()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var stream = await OpenStreamWithPeerAsync(pool, upstream, out var peerTask);
        stream.AddRequestField(":method"u8, "POST"u8);
        stream.AddRequestField(":scheme"u8, "http"u8);
        stream.AddRequestField(":path"u8, "/upload"u8);
        Assert.True(await stream.SendRequestHeadAsync(endStream: false));
        var peer = await peerTask;

        stream.SetDeadline(TimeSpan.FromMilliseconds(300));
        var body = new ReadOnlySequence<byte>(new byte[200_000]);
        var wrote = await stream.WriteRequestDataAsync(body, endStream: true, CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.False(wrote);
        Assert.True(stream.DeadlineExpired);
        Assert.Equal(Http2UpstreamHeadOutcome.TimedOut, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));

        // Only the initial 65,535-byte window went out; the rest was never buffered.
        var received = 0;
        while (true)
        {
            var frame = await peer.ReadFrameAsync();
            if (frame is null || frame.Type == Http2FrameType.RstStream)
            {
                Assert.Equal(Http2ErrorCode.Cancel, (Http2ErrorCode)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame!.Payload));
                break;
            }

            if (frame.Type == Http2FrameType.Data)
            {
                received += frame.Payload.Length;
            }
        }

        Assert.Equal(Http2Settings.DefaultInitialWindowSize, received);
        stream.Release();
    }

    [Fact]
    public async Task UnreadResponseBody_StopsAtOurWindow_ReadingItSendsWindowUpdates()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream, new Http2UpstreamOptions { InitialStreamWindowSize = 65_535, ConnectionWindowSize = 1 << 20 });
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendHeadersAsync(headers.StreamId, endStream: false, (":status", "200"));
        var chunk = new byte[16_384];
        for (var sent = 0; sent < 65_535; sent += chunk.Length)
        {
            await peer.SendDataAsync(headers.StreamId, chunk[..Math.Min(chunk.Length, 65_535 - sent)], endStream: false);
        }

        Assert.Equal(Http2UpstreamHeadOutcome.Complete, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));

        // Read it all: credit flows back as stream and connection WINDOW_UPDATEs.
        var total = 0L;
        while (total < 65_535)
        {
            var result = await stream.ResponseBody.ReadAsync().AsTask().WaitAsync(Timeout);
            total += result.Buffer.Length;
            stream.ResponseBody.AdvanceTo(result.Buffer.End);
        }

        var update = await peer.ExpectAsync(Http2FrameType.WindowUpdate, f => f.StreamId == headers.StreamId);
        Assert.True(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(update.Payload) >= 32_767);

        // One byte past the window we granted (had we granted nothing more) would be a flow-control error; with the credit it flows.
        await peer.SendDataAsync(headers.StreamId, "end"u8.ToArray(), endStream: true);
        Assert.Equal("end", await Http2Exchange.ReadBodyAsync(stream).WaitAsync(Timeout));
        stream.Release();
    }

    [Fact]
    public async Task DataBeyondOurStreamWindow_IsAFlowControlReset()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream, new Http2UpstreamOptions { InitialStreamWindowSize = 65_535 });
        var (stream, peer) = await OpenAsync(pool, upstream);

        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendHeadersAsync(headers.StreamId, endStream: false, (":status", "200"));
        var chunk = new byte[16_384];
        for (var i = 0; i < 5; i++)
        {
            await peer.SendDataAsync(headers.StreamId, chunk, endStream: false);
        }

        Assert.Equal(Http2UpstreamHeadOutcome.Complete, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.NotEqual(Http2ErrorCode.NoError, await peer.ExpectRstStreamAsync(headers.StreamId));
        await Assert.ThrowsAsync<Http2StreamAbortedException>(() => Http2Exchange.ReadBodyAsync(stream).WaitAsync(Timeout));
        stream.Release();
    }

    [Fact]
    public async Task Deadline_BeforeTheHead_IsTimedOut_AndResetsWithCancel()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);
        var headers = await peer.ExpectAsync(Http2FrameType.Headers);

        stream.SetDeadline(TimeSpan.FromMilliseconds(100));

        Assert.Equal(Http2UpstreamHeadOutcome.TimedOut, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.True(stream.DeadlineExpired);
        Assert.Null(stream.ResetCode);
        Assert.Equal(Http2ErrorCode.Cancel, await peer.ExpectRstStreamAsync(headers.StreamId));
        stream.Release();
    }

    [Fact]
    public async Task Reset_SendsTheCode_AndReleaseAfterwardsSendsNothingMore()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream, endStream: false);
        var headers = await peer.ExpectAsync(Http2FrameType.Headers);

        stream.Reset(Http2ErrorCode.Cancel);
        stream.Release();
        stream.Release();

        Assert.Equal(Http2ErrorCode.Cancel, await peer.ExpectRstStreamAsync(headers.StreamId));
        await peer.SendPingAsync(7);
        var ack = await peer.ExpectAsync(Http2FrameType.Ping);
        Assert.Equal(0, pool.Pool.ActiveStreams);
        Assert.NotNull(ack);
    }

    [Fact]
    public async Task Release_MidResponse_ResetsWithCancel_AndTheSlotIsReused()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);
        var headers = await peer.ExpectAsync(Http2FrameType.Headers);
        await peer.SendHeadersAsync(headers.StreamId, endStream: false, (":status", "200"));
        await peer.SendDataAsync(headers.StreamId, new byte[1000], endStream: false);
        Assert.Equal(Http2UpstreamHeadOutcome.Complete, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));

        stream.Release();

        Assert.Equal(Http2ErrorCode.Cancel, await peer.ExpectRstStreamAsync(headers.StreamId));
        var next = await pool.Pool.OpenStreamAsync(CancellationToken.None);
        var exchange = Http2Exchange.RunAsync(next);
        var nextHeaders = await peer.ExpectAsync(Http2FrameType.Headers);
        Assert.True(nextHeaders.StreamId > headers.StreamId);
        await peer.SendHeadersAsync(nextHeaders.StreamId, endStream: true, (":status", "204"));
        Assert.Equal(204, (await exchange.WaitAsync(Timeout)).Status);
        Assert.Equal(1, pool.Pool.OpenConnections);
    }

    [Fact]
    public async Task QuietConnection_IsPinged_AndClosedWhenThePingIsNotAnswered()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream, new Http2UpstreamOptions { PingInterval = TimeSpan.FromMilliseconds(50), PingTimeout = TimeSpan.FromMilliseconds(200) });
        var (stream, peer) = await OpenAsync(pool, upstream);
        await peer.ExpectAsync(Http2FrameType.Headers);

        await Task.Delay(100);
        pool.Pool.Sweep();
        var ping = await peer.ExpectAsync(Http2FrameType.Ping, f => (f.Flags & Http2FrameFlags.Ack) == 0);
        Assert.Equal(8, ping.Payload.Length);

        await Task.Delay(250);
        pool.Pool.Sweep();
        Assert.Equal(Http2UpstreamHeadOutcome.ConnectionLost, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        stream.Release();
        await WaitUntilAsync(() => pool.Pool.OpenConnections == 0);
        Assert.Contains(pool.Log.Lines, l => l.Contains("PING not acknowledged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnsweredPing_KeepsTheConnection()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler());
        await using var pool = new Http2PoolUnderTest(upstream, new Http2UpstreamOptions { PingInterval = TimeSpan.FromMilliseconds(50), PingTimeout = TimeSpan.FromMilliseconds(300) });
        await Http2Exchange.RunAsync(await pool.Pool.OpenStreamAsync(CancellationToken.None));

        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(100);
            pool.Pool.Sweep();
        }

        Assert.Equal(1, pool.Pool.OpenConnections);
        Assert.Equal(200, (await Http2Exchange.RunAsync(await pool.Pool.OpenStreamAsync(CancellationToken.None))).Status);
        Assert.Equal(1, upstream.Connects);
    }

    [Fact]
    public async Task IdleConnection_IsClosedByTheSweep()
    {
        await using var upstream = new InMemoryHttp2Upstream(new EchoHandler());
        await using var pool = new Http2PoolUnderTest(upstream, pool: new UpstreamPoolOptions { IdleTimeout = TimeSpan.FromMilliseconds(100) });
        await Http2Exchange.RunAsync(await pool.Pool.OpenStreamAsync(CancellationToken.None));
        Assert.Equal(1, pool.Pool.OpenConnections);

        await Task.Delay(200);

        // Swept until closed: the stream's release may land after the exchange returns, and a connection idle for
        // less than the timeout at one sweep is closed by a later one (the cluster's timer sweeps every second).
        await WaitUntilAsync(() =>
        {
            pool.Pool.Sweep();
            return pool.Pool.OpenConnections == 0;
        });
    }

    [Fact]
    public async Task Http11Upstream_FailsTheConnectWithAClearMessage()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var open = pool.Pool.OpenStreamAsync(CancellationToken.None).AsTask();

        var server = await upstream.AcceptRawAsync();
        await server.Output.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        server.CloseOutput();

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => open.WaitAsync(Timeout));
        Assert.Contains("SETTINGS", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, pool.Pool.OpenConnections);
    }

    [Fact]
    public async Task SilentUpstream_FailsTheConnectAtTheConnectTimeout()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream, pool: new UpstreamPoolOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200) });

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(() => pool.Pool.OpenStreamAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.True(ex.IsTimeout);
    }

    [Fact]
    public async Task PingFlood_ClosesTheConnectionWithEnhanceYourCalm()
    {
        await using var upstream = new ScriptedHttp2Upstream();
        await using var pool = new Http2PoolUnderTest(upstream);
        var (stream, peer) = await OpenAsync(pool, upstream);
        await peer.ExpectAsync(Http2FrameType.Headers);

        for (var i = 0; i < Http2UpstreamConnection.MaxControlFramesPerSecond + 10; i++)
        {
            Http2FrameWriter.WritePing(peer.Output, (ulong)i, ack: false);
        }

        await peer.FlushAsync();
        var (_, code) = await peer.ExpectGoAwayAsync();
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, code);
        Assert.Equal(Http2UpstreamHeadOutcome.ConnectionLost, await stream.ReadResponseHeadAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        stream.Release();
    }

    private static async Task AnswerAsync(Http2TestClient peer, Http2TestClient.Frame headers, System.Collections.Concurrent.ConcurrentDictionary<string, int> processed)
    {
        var path = headers.Fields!.First(f => string.Equals(f.Name, ":path", StringComparison.Ordinal)).Value;
        processed.AddOrUpdate(path, 1, (_, n) => n + 1);
        await peer.SendHeadersAsync(headers.StreamId, endStream: false, (":status", "200"));
        await peer.SendDataAsync(headers.StreamId, Encoding.ASCII.GetBytes(path), endStream: true);
    }

    private static byte[] GoAwayPayload(int lastStreamId, Http2ErrorCode code)
    {
        var payload = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, lastStreamId);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), (uint)code);
        return payload;
    }

    /// <summary>Opens a stream (the pool connects to the scripted upstream meanwhile) and sends a GET head.</summary>
    private static async Task<(IHttp2UpstreamStream Stream, Http2TestClient Peer)> OpenAsync(Http2PoolUnderTest pool, ScriptedHttp2Upstream upstream, bool endStream = true)
    {
        var stream = await OpenStreamWithPeerAsync(pool, upstream, out var peerTask);
        stream.AddRequestField(":method"u8, "GET"u8);
        stream.AddRequestField(":scheme"u8, "http"u8);
        stream.AddRequestField(":authority"u8, "upstream.test"u8);
        stream.AddRequestField(":path"u8, "/"u8);
        Assert.True(await stream.SendRequestHeadAsync(endStream));
        return (stream, await peerTask);
    }

    private static Task<IHttp2UpstreamStream> OpenStreamWithPeerAsync(Http2PoolUnderTest pool, ScriptedHttp2Upstream upstream, out Task<Http2TestClient> peer)
    {
        var open = pool.Pool.OpenStreamAsync(CancellationToken.None).AsTask();
        peer = upstream.AcceptAsync();
        return open.WaitAsync(Timeout);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
