using System.Buffers;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.HPack;
using FastProxy.Http.Http2.Streams;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Http.Tests.Http2;

/// <summary>The RFC 9113 §10.5 defences, one limit of <see cref="Http2ConnectionOptions"/> each.</summary>
public sealed class Http2ConnectionDefenceTests
{
    /// <summary>Holds every stream open until the client resets it or the connection ends.</summary>
    private static ScriptedHandler HoldUntilAborted() => new(async stream =>
    {
        var aborted = new TaskCompletionSource();
        await using (stream.Aborted.Register(() => aborted.TrySetResult()))
        {
            await aborted.Task;
        }
    });

    [Fact]
    public async Task MaxConcurrentStreams_Exceeded_RefusedStream()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync(HoldUntilAborted(), new Http2ConnectionOptions { MaxConcurrentStreams = 2 });
        Assert.Equal(2u, server.Client.ServerSettings[Http2SettingsParameter.MaxConcurrentStreams]);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.SendHeadersAsync(3, endStream: true, Http2TestClient.Get());
        await server.Client.SendHeadersAsync(5, endStream: true, Http2TestClient.Get());

        Assert.Equal(Http2ErrorCode.RefusedStream, await server.Client.ExpectRstStreamAsync(5));
    }

    [Fact]
    public async Task RapidReset_PastBudget_GoAwayEnhanceYourCalm()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync(HoldUntilAborted(), new Http2ConnectionOptions { MaxResetsPerWindow = 10 });
        for (var id = 1; id <= 25; id += 2)
        {
            await server.Client.SendHeadersAsync(id, endStream: true, Http2TestClient.Get());
            await server.Client.SendRstStreamAsync(id, Http2ErrorCode.Cancel);
        }

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, (await server.Client.ExpectGoAwayAsync()).Code);
        Assert.True(server.Logger.Contains("rapid reset"));
    }

    [Fact]
    public async Task RapidReset_UnderBudget_ConnectionGoesOn()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync(
            new ScriptedHandler(s => s.StreamId == 21 ? new EchoHandler().HandleAsync(s) : HoldUntilAborted().HandleAsync(s)),
            new Http2ConnectionOptions { MaxResetsPerWindow = 10 });
        for (var id = 1; id <= 19; id += 2)
        {
            await server.Client.SendHeadersAsync(id, endStream: true, Http2TestClient.Get());
            await server.Client.SendRstStreamAsync(id, Http2ErrorCode.Cancel);
        }

        await server.Client.SendHeadersAsync(21, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(21)).Status);
    }

    [Fact]
    public async Task ContinuationFlood_FieldBlockPastLimit_GoAwayEnhanceYourCalm()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: new Http2ConnectionOptions { MaxFieldBlockSize = 4096 });
        var block = server.Client.Encode(Http2TestClient.Get());
        Http2FrameWriter.WriteRaw(server.Client.Output, Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block);
        for (var i = 0; i < 20; i++)
        {
            // Literal-without-indexing fragments that never end the block.
            Http2FrameWriter.WriteRaw(server.Client.Output, Http2FrameType.Continuation, 0, 1, new byte[1000]);
        }

        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    [Fact]
    public async Task HeaderListTooLarge_Answered431_ConnectionGoesOn()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: new Http2ConnectionOptions { MaxHeaderListSize = 1000 });
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get(extra: ("x-big", new string('a', 1200))));

        Assert.Equal(431, (await server.Client.ReadResponseAsync(1)).Status);
        Assert.True(server.Logger.Contains("-> 431"));

        await server.Client.SendHeadersAsync(3, endStream: true, Http2TestClient.Get());
        Assert.Equal(200, (await server.Client.ReadResponseAsync(3)).Status);
    }

    [Fact]
    public async Task HpackBomb_IndexedEntryRepeated_CompressionErrorBeforeDecodingAll()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: new Http2ConnectionOptions { MaxHeaderListSize = 1000 });

        // One 900-byte entry inserted into the dynamic table, then referenced with one byte each: 20 bytes on the
        // wire decode to ~18 KB.
        using var bomber = new HPackEncoder();
        var block = new byte[2048];
        bomber.TryEncode("x-bomb"u8, new byte[900].Select(_ => (byte)'a').ToArray(), HPackIndexing.Incremental, huffman: false, block, out var length);
        for (var i = 0; i < 20; i++)
        {
            block[length++] = 0x80 | 62;
        }

        Http2FrameWriter.WriteHeaders(server.Client.Output, 1, block.AsSpan(0, length), endStream: true, Http2Settings.MinMaxFrameSize);
        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.CompressionError, (await server.Client.ExpectGoAwayAsync()).Code);
    }

    public static TheoryData<string> FloodKinds => ["PING", "SETTINGS", "empty DATA", "WINDOW_UPDATE", "PRIORITY", "RST_STREAM on closed stream", "unknown frame"];

    [Theory]
    [MemberData(nameof(FloodKinds))]
    public async Task ControlFrameFlood_PastBudget_GoAwayEnhanceYourCalm(string kind)
    {
        var handler = new ScriptedHandler(async stream =>
        {
            if (stream.StreamId == 1)
            {
                await new EchoHandler().HandleAsync(stream);
                return;
            }

            await HoldUntilAborted().HandleAsync(stream);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler, new Http2ConnectionOptions { MaxControlFramesPerWindow = 40 });
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.ReadResponseAsync(1);
        await server.Client.SendHeadersAsync(3, endStream: false, Http2TestClient.Post());
        var output = server.Client.Output;
        for (var i = 0; i < 60; i++)
        {
            switch (kind)
            {
                case "PING":
                    Http2FrameWriter.WritePing(output, (ulong)i, ack: false);
                    break;
                case "SETTINGS":
                    Http2FrameWriter.WriteSettings(output, []);
                    break;
                case "empty DATA":
                    Http2FrameWriter.WriteData(output, 3, [], endStream: false);
                    break;
                case "WINDOW_UPDATE":
                    Http2FrameWriter.WriteWindowUpdate(output, 0, 1);
                    break;
                case "PRIORITY":
                    Http2FrameWriter.WritePriority(output, 3, 0, exclusive: false, weight: 16);
                    break;
                case "RST_STREAM on closed stream":
                    Http2FrameWriter.WriteRstStream(output, 1, Http2ErrorCode.Cancel);
                    break;
                default:
                    Http2FrameWriter.WriteRaw(output, (Http2FrameType)0xEE, 0, 0, []);
                    break;
            }
        }

        await server.Client.FlushAsync();

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, (await server.Client.ExpectGoAwayAsync()).Code);
        Assert.True(server.Logger.Contains("control frame flood"));
    }

    [Fact]
    public async Task ControlFrameBudget_WindowUpdatesCreditingDownload_AreNotAFlood()
    {
        var handler = new ScriptedHandler(async stream =>
        {
            await stream.WriteResponseHeadAsync(200, endStream: false);
            await stream.WriteDataAsync(new ReadOnlySequence<byte>(new byte[600_000]), endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler, new Http2ConnectionOptions { MaxControlFramesPerWindow = 20 });
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());

        // ReadResponseAsync credits every DATA frame on the connection and the stream: ~70 WINDOW_UPDATEs.
        var response = await server.Client.ReadResponseAsync(1);

        Assert.Equal(600_000, response.Body.Length);
        Assert.Null(response.Reset);
    }

    [Fact]
    public async Task ZeroWindowStall_PastTimeout_StreamResetCancel()
    {
        var time = new FakeTimeProvider();
        var written = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(async stream =>
        {
            await stream.WriteResponseHeadAsync(200, endStream: false);
            written.SetResult(await stream.WriteDataAsync(new ReadOnlySequence<byte>(new byte[100]), endStream: true));
        });
        var options = new Http2ConnectionOptions { Time = time, SendWindowStallTimeout = TimeSpan.FromSeconds(5) };
        await using var server = Http2TestServer.Start(handler, options);
        await server.Client.HandshakeAsync((Http2SettingsParameter.InitialWindowSize, 0));
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.ExpectAsync(Http2FrameType.Headers, f => f.StreamId == 1);

        // Pass the timeout tick by tick until the reset comes (robust to a slow machine: the clock only moves on).
        Assert.Equal(Http2ErrorCode.Cancel, await AdvanceUntilAsync(time, server.Client.ExpectRstStreamAsync(1)));
        Assert.False(await written.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(server.Logger.Contains("send window stayed at zero"));
    }

    [Fact]
    public async Task IdleTimeout_NoStreams_GoAwayNoErrorAndClose()
    {
        var time = new FakeTimeProvider();
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: new Http2ConnectionOptions { Time = time, IdleTimeout = TimeSpan.FromSeconds(5) });
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.ReadResponseAsync(1);
        await Task.Delay(50);

        var (lastStreamId, code) = await AdvanceUntilAsync(time, server.Client.ExpectGoAwayAsync());
        Assert.Equal(1, lastStreamId);
        Assert.Equal(Http2ErrorCode.NoError, code);
        Assert.True(await server.Client.ClosedAsync());
    }

    [Fact]
    public async Task HeaderTimeout_FieldBlockNotEnded_GoAwayEnhanceYourCalm()
    {
        var time = new FakeTimeProvider();
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: new Http2ConnectionOptions { Time = time, HeaderTimeout = TimeSpan.FromSeconds(3) });
        var block = server.Client.Encode(Http2TestClient.Get());
        await server.Client.SendRawAsync(Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block.AsSpan(0, 4).ToArray());
        await Task.Delay(50);

        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, (await AdvanceUntilAsync(time, server.Client.ExpectGoAwayAsync())).Code);
    }

    [Fact]
    public async Task HeaderTimeout_NoFirstRequest_GoAwayNoErrorAndClose()
    {
        var time = new FakeTimeProvider();
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: new Http2ConnectionOptions { Time = time, HeaderTimeout = TimeSpan.FromSeconds(3) });
        await Task.Delay(50);

        Assert.Equal((0, Http2ErrorCode.NoError), await AdvanceUntilAsync(time, server.Client.ExpectGoAwayAsync()));
        Assert.True(await server.Client.ClosedAsync());
    }

    [Fact]
    public async Task SettingsTimeout_OurSettingsNeverAcknowledged_GoAwaySettingsTimeout()
    {
        var time = new FakeTimeProvider();
        await using var server = Http2TestServer.Start(options: new Http2ConnectionOptions { Time = time, SettingsTimeout = TimeSpan.FromSeconds(3) });
        await server.Client.SendPrefaceAsync();
        await Task.Delay(50);

        Assert.Equal((0, Http2ErrorCode.SettingsTimeout), await AdvanceUntilAsync(time, server.Client.ExpectGoAwayAsync()));
        Assert.True(server.Logger.Contains("SETTINGS were not acknowledged"));
    }

    [Fact]
    public async Task SettingsTimeout_Acknowledged_ConnectionStaysOpen()
    {
        var time = new FakeTimeProvider();
        await using var server = await Http2TestServer.StartAndHandshakeAsync(options: new Http2ConnectionOptions { Time = time, SettingsTimeout = TimeSpan.FromSeconds(3) });
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Get());
        time.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(100);

        await server.Client.SendDataAsync(1, [], endStream: true);
        Assert.Equal(200, (await server.Client.ReadResponseAsync(1)).Status);
    }

    [Fact]
    public async Task HeaderTimeout_NoPreface_ConnectionClosed()
    {
        var time = new FakeTimeProvider();
        await using var server = Http2TestServer.Start(options: new Http2ConnectionOptions { Time = time, HeaderTimeout = TimeSpan.FromSeconds(3) });
        await Task.Delay(50);

        Assert.True(await AdvanceUntilAsync(time, server.Client.ClosedAsync()));
        Assert.True(server.Logger.Contains("connection preface not complete"));
    }

    [Fact]
    public async Task LargeResponse_WaitsForWindowUpdate_AndHonoursMaxFrameSize()
    {
        var payload = new byte[200_000];
        Random.Shared.NextBytes(payload);
        var handler = new ScriptedHandler(async stream =>
        {
            await stream.WriteResponseHeadAsync(200, endStream: false);
            await stream.WriteDataAsync(new ReadOnlySequence<byte>(payload), endStream: true);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler);
        await server.Client.SendHeadersAsync(1, endStream: true, Http2TestClient.Get());
        await server.Client.ExpectAsync(Http2FrameType.Headers, f => f.StreamId == 1);

        // Without WINDOW_UPDATE the server sends exactly the initial 65,535 bytes, in frames of at most 16,384.
        var received = 0;
        while (received < 65_535)
        {
            var data = await server.Client.ExpectAsync(Http2FrameType.Data, f => f.StreamId == 1);
            Assert.True(data.Payload.Length <= Http2Settings.MinMaxFrameSize);
            received += data.Payload.Length;
        }

        Assert.Equal(65_535, received);
        await server.Client.SendPingAsync(42);
        var next = await server.Client.ExpectAsync(Http2FrameType.Ping);
        Assert.Equal(Http2FrameFlags.Ack, next.Flags);

        // Credit granted: the rest arrives (ReadResponseAsync sends WINDOW_UPDATEs as it reads).
        await server.Client.SendWindowUpdateAsync(0, 65_535);
        await server.Client.SendWindowUpdateAsync(1, 65_535);
        var rest = await server.Client.ReadResponseAsync(1);
        Assert.Equal(payload.Length - 65_535, rest.Body.Length);
        Assert.Equal(payload.AsSpan(65_535).ToArray(), rest.Body);
    }

    [Fact]
    public async Task LargeRequestBody_WindowUpdatesSentAsHandlerConsumes()
    {
        await using var server = await Http2TestServer.StartAndHandshakeAsync();
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());
        var sent = 0;
        var credit = 65_536;
        const int total = 300_000;
        while (sent < total)
        {
            while (credit < 16_384 && credit < total - sent)
            {
                var update = await server.Client.ExpectAsync(Http2FrameType.WindowUpdate, f => f.StreamId == 1);
                credit += System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(update.Payload);
            }

            var chunk = Math.Min(Math.Min(16_384, credit), total - sent);
            sent += chunk;
            credit -= chunk;
            await server.Client.SendDataAsync(1, new byte[chunk], endStream: sent == total);
        }

        var response = await server.Client.ReadResponseAsync(1);
        Assert.Equal(total, response.Body.Length);
    }

    [Fact]
    public async Task UnreadBody_ClientStalledByWindow_ServerBuffersNoMore()
    {
        var seen = new TaskCompletionSource<IHttp2RequestStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ScriptedHandler(async stream =>
        {
            seen.SetResult(stream);
            await HoldUntilAborted().HandleAsync(stream);
        });
        await using var server = await Http2TestServer.StartAndHandshakeAsync(handler, new Http2ConnectionOptions { InitialStreamWindowSize = 65_535 });
        await server.Client.SendHeadersAsync(1, endStream: false, Http2TestClient.Post());
        await seen.Task;
        for (var i = 0; i < 3; i++)
        {
            await server.Client.SendDataAsync(1, new byte[16_384], endStream: false);
        }

        // No stream WINDOW_UPDATE comes while the handler reads nothing.
        await server.Client.SendPingAsync(7);
        await server.Client.ExpectAsync(Http2FrameType.Ping);
        var update = server.Client.ExpectAsync(Http2FrameType.WindowUpdate, f => f.StreamId == 1);
        Assert.NotSame(update, await Task.WhenAny(update, Task.Delay(300)));
        await server.Client.SendRstStreamAsync(1, Http2ErrorCode.Cancel);
    }

    /// <summary>Moves the fake clock a second at a time until <paramref name="outcome"/> completes (at most two minutes of fake time).</summary>
    private static async Task<T> AdvanceUntilAsync<T>(FakeTimeProvider time, Task<T> outcome)
    {
        for (var i = 0; i < 120 && !outcome.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(outcome, Task.Delay(25));
        }

        return await outcome;
    }
}
