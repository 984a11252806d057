using System.Buffers;
using System.Buffers.Binary;

namespace FastProxy.Http.Http2;

/// <summary>
/// Writes frames (RFC 9113 §6) into an <see cref="IBufferWriter{T}"/>, header and payload in one span, so a frame
/// costs one GetSpan/Advance pair. The caller keeps within the peer's SETTINGS_MAX_FRAME_SIZE; only
/// <see cref="WriteHeaders"/> splits, because a field block must stay contiguous across CONTINUATIONs.
/// </summary>
public static class Http2FrameWriter
{
    /// <summary>DATA (RFC 9113 §6.1). A non-zero <paramref name="padLength"/> sets PADDED and appends zero padding.</summary>
    public static void WriteData(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> data, bool endStream, int padLength = 0)
    {
        var flags = endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
        var padded = padLength > 0;
        var length = data.Length + (padded ? 1 + padLength : 0);
        var span = Begin(output, length, Http2FrameType.Data, (byte)(flags | (padded ? Http2FrameFlags.Padded : 0)), streamId);
        if (padded)
        {
            span[0] = (byte)padLength;
            span = span[1..];
        }

        data.CopyTo(span);
        span.Slice(data.Length, padded ? padLength : 0).Clear();
        output.Advance(Http2FrameHeader.Size + length);
    }

    /// <summary>
    /// HEADERS and as many CONTINUATIONs as <paramref name="maxFrameSize"/> needs (RFC 9113 §6.2, §6.10): END_HEADERS
    /// goes on the last frame, END_STREAM on the HEADERS frame.
    /// </summary>
    public static void WriteHeaders(IBufferWriter<byte> output, int streamId, ReadOnlySpan<byte> fieldBlock, bool endStream, int maxFrameSize)
    {
        var first = Math.Min(fieldBlock.Length, maxFrameSize);
        var flags = (byte)((endStream ? Http2FrameFlags.EndStream : 0) | (first == fieldBlock.Length ? Http2FrameFlags.EndHeaders : 0));
        WriteRaw(output, Http2FrameType.Headers, flags, streamId, fieldBlock[..first]);
        var rest = fieldBlock[first..];
        while (!rest.IsEmpty)
        {
            var chunk = Math.Min(rest.Length, maxFrameSize);
            WriteRaw(output, Http2FrameType.Continuation, chunk == rest.Length ? Http2FrameFlags.EndHeaders : Http2FrameFlags.None, streamId, rest[..chunk]);
            rest = rest[chunk..];
        }
    }

    /// <summary>PRIORITY (RFC 9113 §6.3); <paramref name="weight"/> is 1..256.</summary>
    public static void WritePriority(IBufferWriter<byte> output, int streamId, int dependency, bool exclusive, int weight)
    {
        var span = Begin(output, 5, Http2FrameType.Priority, Http2FrameFlags.None, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)dependency | (exclusive ? 0x8000_0000 : 0));
        span[4] = (byte)(weight - 1);
        output.Advance(Http2FrameHeader.Size + 5);
    }

    /// <summary>RST_STREAM (RFC 9113 §6.4).</summary>
    public static void WriteRstStream(IBufferWriter<byte> output, int streamId, Http2ErrorCode code)
    {
        var span = Begin(output, 4, Http2FrameType.RstStream, Http2FrameFlags.None, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)code);
        output.Advance(Http2FrameHeader.Size + 4);
    }

    /// <summary>SETTINGS (RFC 9113 §6.5) with the given entries, each written as Identifier (16), Value (32).</summary>
    public static void WriteSettings(IBufferWriter<byte> output, ReadOnlySpan<(Http2SettingsParameter Parameter, uint Value)> entries)
    {
        var length = entries.Length * Http2Settings.EntrySize;
        var span = Begin(output, length, Http2FrameType.Settings, Http2FrameFlags.None, 0);
        foreach (var (parameter, value) in entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)parameter);
            BinaryPrimitives.WriteUInt32BigEndian(span[2..], value);
            span = span[Http2Settings.EntrySize..];
        }

        output.Advance(Http2FrameHeader.Size + length);
    }

    /// <summary>SETTINGS with ACK and no payload (RFC 9113 §6.5.3).</summary>
    public static void WriteSettingsAck(IBufferWriter<byte> output)
    {
        Begin(output, 0, Http2FrameType.Settings, Http2FrameFlags.Ack, 0);
        output.Advance(Http2FrameHeader.Size);
    }

    /// <summary>PING (RFC 9113 §6.7); an ACK echoes the opaque data it answers.</summary>
    public static void WritePing(IBufferWriter<byte> output, ulong opaqueData, bool ack)
    {
        var span = Begin(output, 8, Http2FrameType.Ping, ack ? Http2FrameFlags.Ack : Http2FrameFlags.None, 0);
        BinaryPrimitives.WriteUInt64BigEndian(span, opaqueData);
        output.Advance(Http2FrameHeader.Size + 8);
    }

    /// <summary>GOAWAY (RFC 9113 §6.8) with optional debug data.</summary>
    public static void WriteGoAway(IBufferWriter<byte> output, int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debugData = default)
    {
        var length = 8 + debugData.Length;
        var span = Begin(output, length, Http2FrameType.GoAway, Http2FrameFlags.None, 0);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)lastStreamId & 0x7FFF_FFFF);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)code);
        debugData.CopyTo(span[8..]);
        output.Advance(Http2FrameHeader.Size + length);
    }

    /// <summary>WINDOW_UPDATE (RFC 9113 §6.9); stream 0 updates the connection window.</summary>
    public static void WriteWindowUpdate(IBufferWriter<byte> output, int streamId, int increment)
    {
        var span = Begin(output, 4, Http2FrameType.WindowUpdate, Http2FrameFlags.None, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)increment & 0x7FFF_FFFF);
        output.Advance(Http2FrameHeader.Size + 4);
    }

    /// <summary>Any frame, payload as given: for CONTINUATION, extension frames, and tests that need malformed frames.</summary>
    public static void WriteRaw(IBufferWriter<byte> output, Http2FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var span = Begin(output, payload.Length, type, flags, streamId);
        payload.CopyTo(span);
        output.Advance(Http2FrameHeader.Size + payload.Length);
    }

    /// <summary>Writes the frame header and returns the span for the payload (not yet advanced).</summary>
    private static Span<byte> Begin(IBufferWriter<byte> output, int length, Http2FrameType type, byte flags, int streamId)
    {
        var span = output.GetSpan(Http2FrameHeader.Size + length);
        new Http2FrameHeader(length, type, flags, streamId).WriteTo(span);
        return span.Slice(Http2FrameHeader.Size, length);
    }
}
