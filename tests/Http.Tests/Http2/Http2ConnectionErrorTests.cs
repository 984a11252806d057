using System.Buffers;
using System.Buffers.Binary;
using FastProxy.Http.Http2;

namespace FastProxy.Http.Tests.Http2;

/// <summary>
/// h2spec-style: one test per error case of RFC 9113 §3-8 the connection handles, each asserting the error code and
/// its scope (RST_STREAM for a stream error, GOAWAY and close for a connection error).
/// </summary>
public sealed class Http2ConnectionErrorTests
{
    [Fact]
    public async Task Preface_Invalid_GoAwayProtocolErrorAndClose()
    {
        await using var server = Http2TestServer.Start();
        server.Client.Output.Write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8);
        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
        Assert.True(await server.Client.ClosedAsync());
        Assert.True(server.Logger.Contains("invalid connection preface"));
    }

    [Fact]
    public async Task Preface_FirstFrameNotSettings_ProtocolError()
    {
        await using var server = Http2TestServer.Start();
        server.Client.Output.Write(Http2Preface.Bytes);
        Http2FrameWriter.WritePing(server.Client.Output, 1, ack: false);
        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Frame_LargerThanMaxFrameSize_FrameSizeError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());
        await server.Client.SendDataAsync(1, new byte[Http2Settings.MinMaxFrameSize + 1], endStream: true);

        Assert.Equal(Http2ErrorCode.FrameSizeError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Headers_EvenStreamId_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(2, endStream: true, Http2TestClient.Get());

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Headers_StreamIdLowerThanPrevious_ConnectionError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(5, endStream: true, Http2TestClient.Get());
        await server.Client.ReadResponseAsync(5);
        await server.Client.SendHeadersAsync(3, endStream: true, Http2TestClient.Get());

        var (lastStreamId, code) = await server.Client.ExpectGoAwayAsync();
        Assert.Equal(5, lastStreamId);
        Assert.Equal(Http2ErrorCode.StreamClosed, code);
    }

    [Fact]
    public async Task Continuation_InterruptedByOtherFrame_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        var block = server.Client.Encode(Http2TestClient.Get());
        Http2FrameWriter.WriteRaw(server.Client.Output, Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block.AsSpan(0, 5));
        Http2FrameWriter.WritePing(server.Client.Output, 1, ack: false);
        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Continuation_OnOtherStream_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        var block = server.Client.Encode(Http2TestClient.Get());
        Http2FrameWriter.WriteRaw(server.Client.Output, Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block.AsSpan(0, 5));
        Http2FrameWriter.WriteRaw(server.Client.Output, Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 3, block.AsSpan(5));
        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Continuation_WithoutHeaders_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRawAsync(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, server.Client.Encode(Http2TestClient.Get()));

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Data_OnIdleStream_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendDataAsync(1, "x"u8.ToArray(), endStream: true);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Data_OnStreamZero_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendDataAsync(0, "x"u8.ToArray(), endStream: true);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Data_AfterEndStream_StreamClosedStreamError()
    {
        var release = new TaskCompletionSource();
        var handler = new ScriptedHandler(async stream =>
        {
            await release.Task;
            await stream.WriteResponseHeadAsync(200, endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.SendDataAsync(1, "x"u8.ToArray(), endStream: false);

        Assert.Equal(Http2ErrorCode.StreamClosed, await server.Client.ExpectRstStreamAsync(1));
        release.SetResult();
    }

    [Fact]
    public async Task Data_OnClosedStream_StreamClosedStreamError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.ReadResponseAsync(1);
        await server.Client.SendDataAsync(1, "x"u8.ToArray(), endStream: false);

        Assert.Equal(Http2ErrorCode.StreamClosed, await server.Client.ExpectRstStreamAsync(1));
    }

    [Fact]
    public async Task Data_PaddingAsLongAsPayload_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());
        await server.Client.SendRawAsync(Http2FrameType.Data, Http2FrameFlags.Padded, 1, [5, 1, 2, 3]);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Data_BeyondStreamWindow_FlowControlStreamError()
    {
        var handler = new ScriptedHandler(async stream =>
        {
            // Never reads the body: the window is not credited.
            await Task.Delay(Timeout.InfiniteTimeSpan, stream.Aborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var options = new Http2ConnectionOptions { InitialStreamWindowSize = 65_535 };
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler, options);
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());
        for (var i = 0; i < 4; i++)
        {
            await server.Client.SendDataAsync(1, new byte[16_384], endStream: false);
        }

        Assert.Equal(Http2ErrorCode.FlowControlError, await server.Client.ExpectRstStreamAsync(1));
    }

    [Fact]
    public async Task Data_MoreThanContentLength_ProtocolErrorStreamError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post(extra: ("content-length", "3")));
        await server.Client.SendDataAsync(1, "abcd"u8.ToArray(), endStream: true);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ReadResponseAsync(1)).Reset);
        Assert.True(server.Logger.Contains("content-length"));
    }

    [Fact]
    public async Task Data_LessThanContentLength_ProtocolErrorStreamError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post(extra: ("content-length", "10")));
        await server.Client.SendDataAsync(1, "abcd"u8.ToArray(), endStream: true);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ReadResponseAsync(1)).Reset);
    }

    [Fact]
    public async Task RstStream_OnIdleStream_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRstStreamAsync(1, Http2ErrorCode.Cancel);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task RstStream_WrongLength_FrameSizeError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.SendRawAsync(Http2FrameType.RstStream, 0, 1, [0, 0, 0]);

        Assert.Equal(Http2ErrorCode.FrameSizeError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task WindowUpdate_OnIdleStream_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendWindowUpdateAsync(1, 100);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task WindowUpdate_ZeroOnConnection_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRawAsync(Http2FrameType.WindowUpdate, 0, 0, [0, 0, 0, 0]);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task WindowUpdate_ZeroOnStream_StreamError()
    {
        var release = new TaskCompletionSource();
        var handler = new ScriptedHandler(async stream =>
        {
            await release.Task;
            await stream.WriteResponseHeadAsync(200, endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.SendRawAsync(Http2FrameType.WindowUpdate, 0, 1, [0, 0, 0, 0]);

        Assert.Equal(Http2ErrorCode.ProtocolError, await server.Client.ExpectRstStreamAsync(1));
        release.SetResult();
    }

    [Fact]
    public async Task WindowUpdate_ConnectionWindowOverflow_FlowControlError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendWindowUpdateAsync(0, int.MaxValue);

        Assert.Equal(Http2ErrorCode.FlowControlError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task WindowUpdate_StreamWindowOverflow_FlowControlStreamError()
    {
        var release = new TaskCompletionSource();
        var handler = new ScriptedHandler(async stream =>
        {
            await release.Task;
            await stream.WriteResponseHeadAsync(200, endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.SendWindowUpdateAsync(1, int.MaxValue);

        Assert.Equal(Http2ErrorCode.FlowControlError, await server.Client.ExpectRstStreamAsync(1));
        release.SetResult();
    }

    [Fact]
    public async Task Settings_InitialWindowSizeOverflowsOpenStream_FlowControlError()
    {
        var release = new TaskCompletionSource();
        var handler = new ScriptedHandler(async stream =>
        {
            await release.Task;
            await stream.WriteResponseHeadAsync(200, endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.SendWindowUpdateAsync(1, int.MaxValue - 65_535);
        await server.Client.SendSettingsAsync((Http2SettingsParameter.InitialWindowSize, 65_536));

        Assert.Equal(Http2ErrorCode.FlowControlError, (await server.Client.ExpectGoAwayAsync()).Code);
        release.SetResult();
    }

    [Fact]
    public async Task Settings_EnablePushNotZeroOrOne_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendSettingsAsync((Http2SettingsParameter.EnablePush, 2));

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Settings_MaxFrameSizeTooSmall_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendSettingsAsync((Http2SettingsParameter.MaxFrameSize, 100));

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Settings_AckWithPayload_FrameSizeError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRawAsync(Http2FrameType.Settings, Http2FrameFlags.Ack, 0, [0, 1, 0, 0, 0, 0]);

        Assert.Equal(Http2ErrorCode.FrameSizeError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Settings_OnStream_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRawAsync(Http2FrameType.Settings, 0, 1, []);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Settings_HeaderTableSizeZero_ServerSignalsTableSizeUpdate()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendSettingsAsync((Http2SettingsParameter.HeaderTableSize, 0));
        await server.Client.ExpectAsync(Http2FrameType.Settings);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());

        var headers = await server.Client.ExpectAsync(Http2FrameType.Headers, f => f.StreamId == 1);

        // RFC 7541 §6.3: 001xxxxx with size 0 first in the block.
        Assert.Equal(0x20, headers.Payload[0]);
    }

    [Fact]
    public async Task Ping_OnStream_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRawAsync(Http2FrameType.Ping, 0, 1, new byte[8]);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Ping_WrongLength_FrameSizeError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRawAsync(Http2FrameType.Ping, 0, 0, new byte[7]);

        Assert.Equal(Http2ErrorCode.FrameSizeError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task PushPromise_FromClient_ProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendRawAsync(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, [0, 0, 0, 2]);

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task Priority_StreamDependsOnItself_ProtocolErrorStreamError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        Http2FrameWriter.WritePriority(server.Client.Output, 1, 1, exclusive: false, weight: 16);
        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.ProtocolError, await server.Client.ExpectRstStreamAsync(1));
    }

    [Fact]
    public async Task Priority_WrongLength_FrameSizeStreamError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.ReadResponseAsync(1);
        await server.Client.SendRawAsync(Http2FrameType.Priority, 0, 1, [0, 0, 0, 0]);

        Assert.Equal(Http2ErrorCode.FrameSizeError, await server.Client.ExpectRstStreamAsync(1));
    }

    [Fact]
    public async Task Hpack_InvalidIndex_CompressionError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        Http2FrameWriter.WriteHeaders(server.Client.Output, 1, [0xFF, 0x7F], endStream: true, Http2Settings.MinMaxFrameSize);
        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.CompressionError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task GoAway_CarriesLastProcessedStreamId()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(7, endStream: true, Http2TestClient.Get());
        await server.Client.ReadResponseAsync(7);
        await server.Client.SendRstStreamAsync(9, Http2ErrorCode.Cancel);

        var (lastStreamId, code) = await server.Client.ExpectGoAwayAsync();
        Assert.Equal(7, lastStreamId);
        Assert.Equal(Http2ErrorCode.ProtocolError, code);
        Assert.True(await server.Client.ClosedAsync());
    }

    [Theory]
    [InlineData("uppercase name", "X-Upper", "v")]
    [InlineData("connection-specific field", "connection", "keep-alive")]
    [InlineData("transfer-encoding", "transfer-encoding", "chunked")]
    [InlineData("te other than trailers", "te", "gzip")]
    [InlineData("value with LF", "x-a", "a\nb")]
    [InlineData("value with NUL", "x-a", "a\0b")]
    [InlineData("leading whitespace", "x-a", " a")]
    [InlineData("trailing whitespace", "x-a", "a\t")]
    [InlineData("invalid content-length", "content-length", "1x")]
    [InlineData("host disagrees with :authority", "host", "other.example")]
    public async Task Request_MalformedField_RstStreamProtocolError(string why, string name, string value)
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get(extra: (name, value)));

        Assert.True(Http2ErrorCode.ProtocolError == await server.Client.ExpectRstStreamAsync(1), why);
        Assert.True(server.Logger.Contains("malformed request"), why);

        // A stream error: the connection serves the next request.
        await server.Client.SendHeadersAsync(3, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(3)).Status);
    }

    [Theory]
    [InlineData("missing :method", new[] { ":scheme", "http", ":authority", "a.example", ":path", "/" })]
    [InlineData("missing :path", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example" })]
    [InlineData("missing :scheme", new[] { ":method", "GET", ":authority", "a.example", ":path", "/" })]
    [InlineData("empty :path", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "" })]
    [InlineData("duplicate :path", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "/", ":path", "/" })]
    [InlineData("unknown pseudo-header", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "/", ":foo", "x" })]
    [InlineData(":status in request", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "/", ":status", "200" })]
    [InlineData("pseudo after regular", new[] { ":method", "GET", ":scheme", "http", "x-a", "1", ":authority", "a.example", ":path", "/" })]
    [InlineData("dot-segment path", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "/a/../admin" })]
    [InlineData("double slash path", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "//admin" })]
    [InlineData("encoded unreserved in path", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "/%61dmin" })]
    [InlineData("absolute :path", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "http://a/" })]
    [InlineData("authority with userinfo", new[] { ":method", "GET", ":scheme", "http", ":authority", "u@a.example", ":path", "/" })]
    [InlineData("no authority and no host", new[] { ":method", "GET", ":scheme", "http", ":path", "/" })]
    [InlineData("CONNECT", new[] { ":method", "CONNECT", ":authority", "a.example:443" })]
    [InlineData("asterisk path on GET", new[] { ":method", "GET", ":scheme", "http", ":authority", "a.example", ":path", "*" })]
    public async Task Request_MalformedHead_RstStreamProtocolError(string why, string[] flat)
    {
        var fields = Enumerable.Range(0, flat.Length / 2).Select(i => (flat[2 * i], flat[(2 * i) + 1])).ToArray();
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: true, fields);

        Assert.True(Http2ErrorCode.ProtocolError == await server.Client.ExpectRstStreamAsync(1), why);
    }

    [Fact]
    public async Task Trailers_WithPseudoHeader_RstStreamProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());
        await server.Client.SendHeadersAsync(1, endStream: true, (":path", "/x"));

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ReadResponseAsync(1)).Reset);
    }

    [Fact]
    public async Task SecondHeaders_WithoutEndStream_RstStreamProtocolError()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());
        await server.Client.SendHeadersAsync(1, endStream: false, ("x-t", "1"));

        Assert.Equal(Http2ErrorCode.ProtocolError, (await server.Client.ReadResponseAsync(1)).Reset);
    }

    [Fact]
    public async Task HeadersOnHalfClosedStream_StreamClosedStreamError()
    {
        var release = new TaskCompletionSource();
        var handler = new ScriptedHandler(async stream =>
        {
            await release.Task;
            await stream.WriteResponseHeadAsync(200, endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.SendHeadersAsync(1, endStream: true, ("x-t", "1"));

        Assert.Equal(Http2ErrorCode.StreamClosed, await server.Client.ExpectRstStreamAsync(1));
        release.SetResult();
    }

    [Fact]
    public async Task ConnectionError_GoAwayPayload_IsWellFormed()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendDataAsync(1, [1], endStream: true);

        var frame = await server.Client.ExpectAsync(Http2FrameType.GoAway);
        Assert.Equal(0, frame.StreamId);
        Assert.Equal(8, frame.Payload.Length);
        Assert.Equal((uint)Http2ErrorCode.ProtocolError, BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4)));
        Assert.True(server.Logger.Contains("connection error ProtocolError"));
    }
}
