using System.Buffers;
using FastProxy.Http.Http2;
using FastProxy.Tests.Common;

namespace FastProxy.Http.Tests.Http2;

public sealed class Http2FrameReaderTests
{
    public static TheoryData<string, Http2ErrorCode, bool> MalformedFrames => new()
    {
        // name, expected code, connection scope
        { "DATA on stream 0", Http2ErrorCode.ProtocolError, true },
        { "DATA padded, empty payload", Http2ErrorCode.FrameSizeError, false },
        { "DATA padding = payload length", Http2ErrorCode.ProtocolError, true },
        { "HEADERS on stream 0", Http2ErrorCode.ProtocolError, true },
        { "HEADERS padded+priority, 5 bytes", Http2ErrorCode.FrameSizeError, true },
        { "HEADERS padding past fragment", Http2ErrorCode.ProtocolError, true },
        { "HEADERS depends on itself", Http2ErrorCode.ProtocolError, false },
        { "PRIORITY on stream 0", Http2ErrorCode.ProtocolError, true },
        { "PRIORITY length 4", Http2ErrorCode.FrameSizeError, false },
        { "PRIORITY depends on itself", Http2ErrorCode.ProtocolError, false },
        { "RST_STREAM on stream 0", Http2ErrorCode.ProtocolError, true },
        { "RST_STREAM length 3", Http2ErrorCode.FrameSizeError, true },
        { "SETTINGS on stream 1", Http2ErrorCode.ProtocolError, true },
        { "SETTINGS ACK with payload", Http2ErrorCode.FrameSizeError, true },
        { "SETTINGS length 5", Http2ErrorCode.FrameSizeError, true },
        { "SETTINGS ENABLE_PUSH 2", Http2ErrorCode.ProtocolError, true },
        { "SETTINGS INITIAL_WINDOW_SIZE 2^31", Http2ErrorCode.FlowControlError, true },
        { "SETTINGS MAX_FRAME_SIZE 16383", Http2ErrorCode.ProtocolError, true },
        { "SETTINGS MAX_FRAME_SIZE 2^24", Http2ErrorCode.ProtocolError, true },
        { "SETTINGS ENABLE_CONNECT_PROTOCOL 2", Http2ErrorCode.ProtocolError, true },
        { "PUSH_PROMISE", Http2ErrorCode.ProtocolError, true },
        { "PING on stream 1", Http2ErrorCode.ProtocolError, true },
        { "PING length 7", Http2ErrorCode.FrameSizeError, true },
        { "GOAWAY on stream 1", Http2ErrorCode.ProtocolError, true },
        { "GOAWAY length 7", Http2ErrorCode.FrameSizeError, true },
        { "WINDOW_UPDATE length 5", Http2ErrorCode.FrameSizeError, true },
        { "WINDOW_UPDATE 0 on connection", Http2ErrorCode.ProtocolError, true },
        { "WINDOW_UPDATE 0 on stream", Http2ErrorCode.ProtocolError, false },
        { "CONTINUATION on stream 0", Http2ErrorCode.ProtocolError, true },
        { "CONTINUATION without HEADERS", Http2ErrorCode.ProtocolError, true },
        { "HEADERS then DATA", Http2ErrorCode.ProtocolError, true },
        { "HEADERS then CONTINUATION on stream 3", Http2ErrorCode.ProtocolError, true },
        { "HEADERS then PING", Http2ErrorCode.ProtocolError, true },
        { "HEADERS then unknown type", Http2ErrorCode.ProtocolError, true },
        { "frame over SETTINGS_MAX_FRAME_SIZE", Http2ErrorCode.FrameSizeError, true },
        { "field block over the limit", Http2ErrorCode.EnhanceYourCalm, true },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public void TryRead_MalformedFrame_ErrorWithRfcCodeAndScope(string name, Http2ErrorCode code, bool connection)
    {
        var (status, error) = ReadAll(Malformed(name), new Http2FrameReader { MaxFieldBlockSize = 100 });

        Assert.Equal(Http2ReadStatus.Error, status);
        Assert.Equal(code, error.Code);
        Assert.Equal(connection, error.IsConnectionError);
    }

    [Fact]
    public void TryRead_StreamError_ConsumesTheFrameSoTheConnectionCanReadOn()
    {
        var bytes = Frames(w =>
        {
            Http2FrameWriter.WriteWindowUpdate(w, 1, 0);
            Http2FrameWriter.WritePing(w, 7, ack: false);
        });
        var reader = new Http2FrameReader();
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Equal(Http2ReadStatus.Error, reader.TryRead(buffer, out var frame, out var consumed, out var error));
        Assert.False(error.IsConnectionError);
        Assert.Equal(1, error.StreamId);
        Assert.Equal(Http2FrameType.WindowUpdate, frame.Type);

        buffer = buffer.Slice(consumed);
        Assert.Equal(Http2ReadStatus.Complete, reader.TryRead(buffer, out frame, out _, out _));
        Assert.Equal(7UL, frame.PingData);
    }

    [Fact]
    public void TryRead_OversizedFrame_RefusedFromItsHeaderAlone()
    {
        var header = new byte[Http2FrameHeader.Size];
        new Http2FrameHeader(16_385, Http2FrameType.Data, 0, 1).WriteTo(header);

        var reader = new Http2FrameReader();
        Assert.Equal(Http2ReadStatus.Error, reader.TryRead(new ReadOnlySequence<byte>(header), out _, out _, out var error));
        Assert.Equal(Http2ErrorCode.FrameSizeError, error.Code);

        reader.MaxFrameSize = 1 << 20;
        Assert.Equal(Http2ReadStatus.Incomplete, reader.TryRead(new ReadOnlySequence<byte>(header), out _, out _, out _));
    }

    [Fact]
    public void TryRead_EveryPrefix_IncompleteAndNothingConsumed()
    {
        var bytes = Conversation();
        var firstLength = Http2FrameHeader.Size + Http2FrameHeader.ReadFrom(bytes).Length;
        for (var i = 0; i < firstLength; i++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, i);
            var status = new Http2FrameReader().TryRead(buffer, out _, out var consumed, out _);
            Assert.Equal(Http2ReadStatus.Incomplete, status);
            Assert.Equal(buffer.Start, consumed);
        }
    }

    [Fact]
    public void TryRead_SplitAtEveryIndex_SameFrames()
    {
        var bytes = Conversation();
        var expected = Describe(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(10, expected.Count);
        for (var split = 1; split < bytes.Length; split++)
        {
            Assert.Equal(expected, Describe(SequenceFactory.Split(bytes, split)));
        }

        Assert.Equal(expected, Describe(SequenceFactory.Chunk(bytes, 1)));
    }

    [Fact]
    public void TryRead_Conversation_FieldsAsWritten()
    {
        Assert.Equal(
            [
                "Headers s1 f0x28 [68,69] dep=0 excl=True w=256",
                "Continuation s1 f0x04 [6a]",
                "Data s1 f0x09 [01,02,03]",
                "Data s1 f0x00 []",
                "Settings s0 f0x00 [00,03,00,00,00,64,00,04,00,00,ff,ff,00,01,00,00,00,00]",
                "Ping s0 f0x01 [00,00,00,00,00,00,00,2a] ping=42",
                "WindowUpdate s0 f0x00 [00,00,04,00] inc=1024",
                "RstStream s1 f0x00 [00,00,00,08] code=Cancel",
                "Priority s3 f0x00 [80,00,00,01,0f] dep=1 excl=True w=16",
                "GoAway s0 f0x00 [64,65,62,75,67] last=5 code=EnhanceYourCalm",
            ],
            Describe(new ReadOnlySequence<byte>(Conversation())));
    }

    [Fact]
    public void TryRead_UnknownType_HandedOverToBeIgnored()
    {
        var bytes = Frames(w => Http2FrameWriter.WriteRaw(w, (Http2FrameType)0xFA, 0xFF, 9, [1, 2]));
        Assert.Equal(Http2ReadStatus.Complete, new Http2FrameReader().TryRead(new ReadOnlySequence<byte>(bytes), out var frame, out _, out _));
        Assert.Equal((Http2FrameType)0xFA, frame.Type);
    }

    [Fact]
    public void TryRead_ReservedBitInStreamId_Ignored()
    {
        var bytes = Frames(w => Http2FrameWriter.WritePing(w, 1, ack: false));
        bytes[5] |= 0x80;
        Assert.Equal(Http2ReadStatus.Complete, new Http2FrameReader().TryRead(new ReadOnlySequence<byte>(bytes), out var frame, out _, out _));
        Assert.Equal(0, frame.StreamId);
    }

    [Fact]
    public void WriteHeaders_BlockLargerThanMaxFrame_SplitsIntoContinuations()
    {
        var block = new byte[40_000];
        Random.Shared.NextBytes(block);
        var bytes = Frames(w => Http2FrameWriter.WriteHeaders(w, 5, block, endStream: true, Http2Settings.MinMaxFrameSize));

        var reader = new Http2FrameReader { MaxFieldBlockSize = 1 << 20 };
        var buffer = new ReadOnlySequence<byte>(bytes);
        var joined = new List<byte>();
        var types = new List<string>();
        while (!buffer.IsEmpty)
        {
            Assert.Equal(Http2ReadStatus.Complete, reader.TryRead(buffer, out var frame, out var consumed, out _));
            types.Add($"{frame.Type}:{frame.Header.Flags}");
            joined.AddRange(frame.Payload.ToArray());
            buffer = buffer.Slice(consumed);
        }

        Assert.Equal(["Headers:1", "Continuation:0", "Continuation:4"], types);
        Assert.Equal(block, joined);
        Assert.False(reader.InFieldBlock);
    }

    [Fact]
    public void Apply_SettingsPayload_InOrderUnknownIgnored()
    {
        var bytes = Frames(w => Http2FrameWriter.WriteSettings(w,
        [
            (Http2SettingsParameter.InitialWindowSize, 1000u),
            (Http2SettingsParameter.MaxFrameSize, 32768u),
            ((Http2SettingsParameter)0x99, 5u),
            (Http2SettingsParameter.InitialWindowSize, 2000u),
            (Http2SettingsParameter.EnablePush, 0u),
            (Http2SettingsParameter.HeaderTableSize, 0u),
            (Http2SettingsParameter.MaxHeaderListSize, 8192u),
            (Http2SettingsParameter.MaxConcurrentStreams, 10u),
        ]));
        Assert.Equal(Http2ReadStatus.Complete, new Http2FrameReader().TryRead(new ReadOnlySequence<byte>(bytes), out var frame, out _, out _));

        var settings = new Http2Settings();
        settings.Apply(frame.Payload);
        Assert.Equal(2000, settings.InitialWindowSize);
        Assert.Equal(32768, settings.MaxFrameSize);
        Assert.False(settings.EnablePush);
        Assert.Equal(0u, settings.HeaderTableSize);
        Assert.Equal(8192u, settings.MaxHeaderListSize);
        Assert.Equal(10u, settings.MaxConcurrentStreams);
    }

    [Fact]
    public void TryRead_Conversation_AllocatesNothing()
    {
        var buffer = SequenceFactory.Chunk(Conversation(), 7);
        var reader = new Http2FrameReader();
        var bytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                var rest = buffer;
                while (reader.TryRead(rest, out _, out var consumed, out _) == Http2ReadStatus.Complete)
                {
                    rest = rest.Slice(consumed);
                }
            }
        });
        Assert.Equal(0, bytes);
    }

    /// <summary>One of each frame type, with padding, priority, a CONTINUATION and an empty DATA.</summary>
    private static byte[] Conversation() => Frames(w =>
    {
        var headers = new byte[] { 3, 0x80, 0, 0, 0, 0xFF, 0x68, 0x69, 0, 0, 0 }; // pad 3, E=1 dep 0 weight 256, "hi"
        Http2FrameWriter.WriteRaw(w, Http2FrameType.Headers, Http2FrameFlags.Padded | Http2FrameFlags.Priority, 1, headers);
        Http2FrameWriter.WriteRaw(w, Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, [0x6A]);
        Http2FrameWriter.WriteData(w, 1, [1, 2, 3], endStream: true, padLength: 4);
        Http2FrameWriter.WriteData(w, 1, [], endStream: false);
        Http2FrameWriter.WriteSettings(w, [(Http2SettingsParameter.MaxConcurrentStreams, 100u), (Http2SettingsParameter.InitialWindowSize, 65_535u), (Http2SettingsParameter.HeaderTableSize, 0u)]);
        Http2FrameWriter.WritePing(w, 42, ack: true);
        Http2FrameWriter.WriteWindowUpdate(w, 0, 1024);
        Http2FrameWriter.WriteRstStream(w, 1, Http2ErrorCode.Cancel);
        Http2FrameWriter.WritePriority(w, 3, 1, exclusive: true, weight: 16);
        Http2FrameWriter.WriteGoAway(w, 5, Http2ErrorCode.EnhanceYourCalm, "debug"u8);
    });

    private static List<string> Describe(ReadOnlySequence<byte> buffer)
    {
        var reader = new Http2FrameReader();
        var frames = new List<string>();
        while (reader.TryRead(buffer, out var frame, out var consumed, out var error) is var status && status != Http2ReadStatus.Incomplete)
        {
            Assert.True(status == Http2ReadStatus.Complete, error.ToString());
            var text = $"{frame.Type} s{frame.StreamId} f0x{frame.Header.Flags:x2} [{string.Join(",", frame.Payload.ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))}]";
            text += frame.Type switch
            {
                Http2FrameType.Headers or Http2FrameType.Priority => $" dep={frame.StreamDependency} excl={frame.Exclusive} w={frame.Weight}",
                Http2FrameType.Ping => $" ping={frame.PingData}",
                Http2FrameType.WindowUpdate => $" inc={frame.WindowIncrement}",
                Http2FrameType.RstStream => $" code={frame.ErrorCode}",
                Http2FrameType.GoAway => $" last={frame.LastStreamId} code={frame.ErrorCode}",
                _ => "",
            };
            frames.Add(text);
            buffer = buffer.Slice(consumed);
        }

        Assert.True(buffer.IsEmpty);
        return frames;
    }

    private static (Http2ReadStatus Status, Http2FrameError Error) ReadAll(byte[] bytes, Http2FrameReader reader)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (true)
        {
            var status = reader.TryRead(buffer, out _, out var consumed, out var error);
            if (status != Http2ReadStatus.Complete)
            {
                return (status, error);
            }

            buffer = buffer.Slice(consumed);
        }
    }

    private static byte[] Setting(Http2SettingsParameter parameter, uint value) =>
        Frames(w => Http2FrameWriter.WriteSettings(w, [(parameter, value)]));

    private static byte[] Malformed(string name) => name switch
    {
        "DATA on stream 0" => Frames(w => Http2FrameWriter.WriteData(w, 0, [1], false)),
        "DATA padded, empty payload" => Raw(Http2FrameType.Data, Http2FrameFlags.Padded, 1, []),
        "DATA padding = payload length" => Raw(Http2FrameType.Data, Http2FrameFlags.Padded, 1, [3, 0, 0]),
        "HEADERS on stream 0" => Raw(Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 0, [0x82]),
        "HEADERS padded+priority, 5 bytes" => Raw(Http2FrameType.Headers, Http2FrameFlags.Padded | Http2FrameFlags.Priority | Http2FrameFlags.EndHeaders, 1, [0, 0, 0, 0, 0]),
        "HEADERS padding past fragment" => Raw(Http2FrameType.Headers, Http2FrameFlags.Padded | Http2FrameFlags.EndHeaders, 1, [2, 0x82]),
        "HEADERS depends on itself" => Raw(Http2FrameType.Headers, Http2FrameFlags.Priority | Http2FrameFlags.EndHeaders, 1, [0, 0, 0, 1, 15, 0x82]),
        "PRIORITY on stream 0" => Frames(w => Http2FrameWriter.WritePriority(w, 0, 1, false, 16)),
        "PRIORITY length 4" => Raw(Http2FrameType.Priority, 0, 1, [0, 0, 0, 3]),
        "PRIORITY depends on itself" => Frames(w => Http2FrameWriter.WritePriority(w, 3, 3, false, 16)),
        "RST_STREAM on stream 0" => Frames(w => Http2FrameWriter.WriteRstStream(w, 0, Http2ErrorCode.Cancel)),
        "RST_STREAM length 3" => Raw(Http2FrameType.RstStream, 0, 1, [0, 0, 8]),
        "SETTINGS on stream 1" => Raw(Http2FrameType.Settings, 0, 1, []),
        "SETTINGS ACK with payload" => Raw(Http2FrameType.Settings, Http2FrameFlags.Ack, 0, [0, 3, 0, 0, 0, 1]),
        "SETTINGS length 5" => Raw(Http2FrameType.Settings, 0, 0, [0, 3, 0, 0, 0]),
        "SETTINGS ENABLE_PUSH 2" => Setting(Http2SettingsParameter.EnablePush, 2),
        "SETTINGS INITIAL_WINDOW_SIZE 2^31" => Setting(Http2SettingsParameter.InitialWindowSize, 1u << 31),
        "SETTINGS MAX_FRAME_SIZE 16383" => Setting(Http2SettingsParameter.MaxFrameSize, 16_383),
        "SETTINGS MAX_FRAME_SIZE 2^24" => Setting(Http2SettingsParameter.MaxFrameSize, 1u << 24),
        "SETTINGS ENABLE_CONNECT_PROTOCOL 2" => Setting(Http2SettingsParameter.EnableConnectProtocol, 2),
        "PUSH_PROMISE" => Raw(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, [0, 0, 0, 2, 0x82]),
        "PING on stream 1" => Raw(Http2FrameType.Ping, 0, 1, new byte[8]),
        "PING length 7" => Raw(Http2FrameType.Ping, 0, 0, new byte[7]),
        "GOAWAY on stream 1" => Raw(Http2FrameType.GoAway, 0, 1, new byte[8]),
        "GOAWAY length 7" => Raw(Http2FrameType.GoAway, 0, 0, new byte[7]),
        "WINDOW_UPDATE length 5" => Raw(Http2FrameType.WindowUpdate, 0, 1, [0, 0, 0, 1, 0]),
        "WINDOW_UPDATE 0 on connection" => Frames(w => Http2FrameWriter.WriteWindowUpdate(w, 0, 0)),
        "WINDOW_UPDATE 0 on stream" => Frames(w => Http2FrameWriter.WriteWindowUpdate(w, 1, 0)),
        "CONTINUATION on stream 0" => Raw(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 0, [0x82]),
        "CONTINUATION without HEADERS" => Raw(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, [0x82]),
        "HEADERS then DATA" => [.. OpenHeaders(), .. Frames(w => Http2FrameWriter.WriteData(w, 1, [1], false))],
        "HEADERS then CONTINUATION on stream 3" => [.. OpenHeaders(), .. Raw(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 3, [0x82])],
        "HEADERS then PING" => [.. OpenHeaders(), .. Frames(w => Http2FrameWriter.WritePing(w, 1, false))],
        "HEADERS then unknown type" => [.. OpenHeaders(), .. Raw((Http2FrameType)0x20, 0, 0, [])],
        "frame over SETTINGS_MAX_FRAME_SIZE" => Frames(w => Http2FrameWriter.WriteData(w, 1, new byte[16_385], false)),
        "field block over the limit" => [.. OpenHeaders(), .. Raw(Http2FrameType.Continuation, 0, 1, new byte[60]), .. Raw(Http2FrameType.Continuation, 0, 1, new byte[60])],
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static byte[] OpenHeaders() => Raw(Http2FrameType.Headers, 0, 1, [0x82]);

    private static byte[] Raw(Http2FrameType type, byte flags, int streamId, byte[] payload) =>
        Frames(w => Http2FrameWriter.WriteRaw(w, type, flags, streamId, payload));

    private static byte[] Frames(Action<ArrayBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}
