using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FastProxy.Http.Http2;

/// <summary>
/// Reads frames off a connection's receive buffer and enforces what RFC 9113 §4-6 says about each frame on its own:
/// SETTINGS_MAX_FRAME_SIZE, per-type lengths and stream ids, padding, SETTINGS values, zero WINDOW_UPDATE increments,
/// and the CONTINUATION sequence (the only cross-frame rule that needs no stream state, so it lives here).
/// Stream-state rules (idle streams, closed streams, flow control) belong to the connection.
/// One reader per connection; not thread-safe.
/// </summary>
public sealed class Http2FrameReader
{
    /// <summary>Default bound on one field block across HEADERS and its CONTINUATIONs: 64 KiB, four times the
    /// smallest max frame, well above any real request head (the HTTP/1.1 head limit is in the same range).</summary>
    public const int DefaultMaxFieldBlockSize = 64 * 1024;

    private int _fieldBlockStreamId;
    private int _fieldBlockSize;

    /// <summary>The SETTINGS_MAX_FRAME_SIZE in force for frames we receive (RFC 9113 §4.2).</summary>
    public int MaxFrameSize { get; set; } = Http2Settings.MinMaxFrameSize;

    /// <summary>
    /// Bound on the compressed size of one field block. Checked per frame, before anything is decoded, so a
    /// CONTINUATION flood stops at the bound and is never buffered past it.
    /// </summary>
    public int MaxFieldBlockSize { get; set; } = DefaultMaxFieldBlockSize;

    /// <summary>True between a HEADERS without END_HEADERS and the CONTINUATION that ends its field block.</summary>
    public bool InFieldBlock => _fieldBlockStreamId != 0;

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/>.
    /// Incomplete: <paramref name="consumed"/> is the start of the buffer.
    /// Complete: <paramref name="frame"/> is valid and <paramref name="consumed"/> is just past it.
    /// Error: <paramref name="error"/> says what and its scope. For a stream error the whole frame was read:
    /// <paramref name="frame"/> and <paramref name="consumed"/> are set as for Complete, so the connection can skip the
    /// frame, reset the stream, and read on. For a connection error nothing more should be read.
    /// </summary>
    public Http2ReadStatus TryRead(in ReadOnlySequence<byte> buffer, out Http2Frame frame, out SequencePosition consumed, out Http2FrameError error)
    {
        frame = default;
        error = default;
        consumed = buffer.Start;
        if (buffer.Length < Http2FrameHeader.Size)
        {
            return Http2ReadStatus.Incomplete;
        }

        var header = ReadHeader(buffer);

        // RFC 9113 §4.2: "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame exceeds the size defined
        // in SETTINGS_MAX_FRAME_SIZE". Always a connection error: the frame is not read, so no stream can be kept in sync.
        if (header.Length > MaxFrameSize)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, header.StreamId, "frame larger than SETTINGS_MAX_FRAME_SIZE");
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §6.2, §6.10: while a field block is open, "any other type or a frame on a different stream MUST be
        // treated as a connection error of type PROTOCOL_ERROR". Checked on the header alone, so it fails early.
        if (_fieldBlockStreamId != 0 && (header.Type != Http2FrameType.Continuation || header.StreamId != _fieldBlockStreamId))
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "field block interrupted before END_HEADERS");
            return Http2ReadStatus.Error;
        }

        if (buffer.Length < Http2FrameHeader.Size + (long)header.Length)
        {
            return Http2ReadStatus.Incomplete;
        }

        var payload = buffer.Slice(Http2FrameHeader.Size, header.Length);
        var status = header.Type switch
        {
            Http2FrameType.Data => ReadData(header, payload, out frame, out error),
            Http2FrameType.Headers => ReadHeaders(header, payload, out frame, out error),
            Http2FrameType.Priority => ReadPriority(header, payload, out frame, out error),
            Http2FrameType.RstStream => ReadRstStream(header, payload, out frame, out error),
            Http2FrameType.Settings => ReadSettings(header, payload, out frame, out error),
            Http2FrameType.PushPromise => RefusePushPromise(header, out frame, out error),
            Http2FrameType.Ping => ReadPing(header, payload, out frame, out error),
            Http2FrameType.GoAway => ReadGoAway(header, payload, out frame, out error),
            Http2FrameType.WindowUpdate => ReadWindowUpdate(header, payload, out frame, out error),
            Http2FrameType.Continuation => ReadContinuation(header, payload, out frame, out error),

            // RFC 9113 §4.1: "Implementations MUST ignore and discard frames of unknown types." Handed over as they are.
            _ => Accept(header, payload, out frame, out error),
        };

        if (status == Http2ReadStatus.Complete || !error.IsConnectionError)
        {
            consumed = payload.End;
        }

        return status;
    }

    /// <summary>Forgets an open field block (a new connection, or tests).</summary>
    public void Reset()
    {
        _fieldBlockStreamId = 0;
        _fieldBlockSize = 0;
    }

    private static Http2FrameHeader ReadHeader(in ReadOnlySequence<byte> buffer)
    {
        var first = buffer.FirstSpan;
        if (first.Length >= Http2FrameHeader.Size)
        {
            return Http2FrameHeader.ReadFrom(first);
        }

        return ReadHeaderMultiSegment(buffer);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Http2FrameHeader ReadHeaderMultiSegment(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> bytes = stackalloc byte[Http2FrameHeader.Size];
        buffer.Slice(0, Http2FrameHeader.Size).CopyTo(bytes);
        return Http2FrameHeader.ReadFrom(bytes);
    }

    /// <summary>
    /// <code>
    /// DATA Frame {
    ///   Length (24), Type (8) = 0x00,
    ///   Unused Flags (4), PADDED Flag (1), Unused Flags (2), END_STREAM Flag (1),
    ///   Reserved (1), Stream Identifier (31),
    ///   [Pad Length (8)],
    ///   Data (..),
    ///   Padding (..2040),
    /// }
    /// </code>
    /// </summary>
    private static Http2ReadStatus ReadData(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = default;

        // RFC 9113 §6.1: "If a DATA frame is received whose Stream Identifier field is 0x00, the recipient MUST respond
        // with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (header.StreamId == 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "DATA on stream 0");
            return Http2ReadStatus.Error;
        }

        if (header.HasFlag(Http2FrameFlags.Padded))
        {
            // RFC 9113 §4.2: too small to hold the Pad Length; DATA only concerns its stream, so a stream error.
            if (header.Length < 1)
            {
                frame = new Http2Frame(header, ReadOnlySequence<byte>.Empty);
                error = Http2FrameError.Stream(Http2ErrorCode.FrameSizeError, header.StreamId, "padded DATA without Pad Length");
                return Http2ReadStatus.Error;
            }

            var padLength = FirstByte(payload);

            // RFC 9113 §6.1: "If the length of the padding is the length of the frame payload or greater, the recipient
            // MUST treat this as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
            if (padLength >= header.Length)
            {
                error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "DATA padding as long as the payload");
                return Http2ReadStatus.Error;
            }

            payload = payload.Slice(1, header.Length - 1 - padLength);
        }

        return Accept(header, payload, out frame, out error);
    }

    /// <summary>
    /// <code>
    /// HEADERS Frame {
    ///   Length (24), Type (8) = 0x01,
    ///   Unused Flags (2), PRIORITY Flag (1), Unused Flag (1), PADDED Flag (1), END_HEADERS Flag (1), Unused Flag (1), END_STREAM Flag (1),
    ///   Reserved (1), Stream Identifier (31),
    ///   [Pad Length (8)],
    ///   [Exclusive (1)], [Stream Dependency (31)], [Weight (8)],
    ///   Field Block Fragment (..),
    ///   Padding (..2040),
    /// }
    /// </code>
    /// </summary>
    private Http2ReadStatus ReadHeaders(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = default;

        // RFC 9113 §6.2: "If a HEADERS frame is received whose Stream Identifier field is 0x00, the recipient MUST
        // respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (header.StreamId == 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "HEADERS on stream 0");
            return Http2ReadStatus.Error;
        }

        var padded = header.HasFlag(Http2FrameFlags.Padded);
        var prioritized = header.HasFlag(Http2FrameFlags.Priority);
        var fixedLength = (padded ? 1 : 0) + (prioritized ? 5 : 0);

        // RFC 9113 §4.2: a frame too small for its mandatory fields is a FRAME_SIZE_ERROR, and one that carries a field
        // block "MUST be treated as a connection error".
        if (header.Length < fixedLength)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, header.StreamId, "HEADERS too short for its padding and priority fields");
            return Http2ReadStatus.Error;
        }

        var padLength = padded ? FirstByte(payload) : 0;

        // RFC 9113 §6.2: "Padding that exceeds the size remaining for the field block fragment MUST be treated as a
        // PROTOCOL_ERROR." A connection error: the field block (and so HPACK state) cannot be recovered.
        if (padLength > header.Length - fixedLength)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "HEADERS padding longer than the payload");
            return Http2ReadStatus.Error;
        }

        var dependency = 0;
        var weight = 0u;
        var exclusive = false;
        if (prioritized)
        {
            var word = ReadUInt32(payload.Slice(padded ? 1 : 0));
            exclusive = (word & 0x8000_0000) != 0;
            dependency = (int)(word & 0x7FFF_FFFF);
            weight = (uint)ReadByteAt(payload, (padded ? 1 : 0) + 4) + 1;
        }

        var fragment = payload.Slice(fixedLength, header.Length - fixedLength - padLength);
        frame = new Http2Frame(header, fragment, dependency, weight, exclusive);
        if (!StartFieldBlock(header, fragment.Length, out error))
        {
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §5.3.1: "A stream cannot depend on itself. An endpoint MUST treat this as a stream error of type
        // PROTOCOL_ERROR." The frame is still handed over: its field block must be decoded to keep HPACK in sync.
        if (prioritized && dependency == header.StreamId)
        {
            error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, header.StreamId, "stream depends on itself");
            return Http2ReadStatus.Error;
        }

        error = default;
        return Http2ReadStatus.Complete;
    }

    /// <summary>
    /// <code>
    /// PRIORITY Frame {
    ///   Length (24) = 0x05, Type (8) = 0x02,
    ///   Unused Flags (8),
    ///   Reserved (1), Stream Identifier (31),
    ///   Exclusive (1), Stream Dependency (31), Weight (8),
    /// }
    /// </code>
    /// </summary>
    private static Http2ReadStatus ReadPriority(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = new Http2Frame(header, payload);

        // RFC 9113 §6.3: "If a PRIORITY frame is received with a stream identifier of 0x00, the recipient MUST respond
        // with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (header.StreamId == 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "PRIORITY on stream 0");
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §6.3: "A PRIORITY frame with a length other than 5 octets MUST be treated as a stream error
        // (Section 5.4.2) of type FRAME_SIZE_ERROR."
        if (header.Length != 5)
        {
            error = Http2FrameError.Stream(Http2ErrorCode.FrameSizeError, header.StreamId, "PRIORITY length not 5");
            return Http2ReadStatus.Error;
        }

        var word = ReadUInt32(payload);
        var dependency = (int)(word & 0x7FFF_FFFF);
        frame = new Http2Frame(header, payload, dependency, (uint)ReadByteAt(payload, 4) + 1, (word & 0x8000_0000) != 0);

        // RFC 9113 §5.3.1: a stream depending on itself is a stream error of type PROTOCOL_ERROR.
        if (dependency == header.StreamId)
        {
            error = Http2FrameError.Stream(Http2ErrorCode.ProtocolError, header.StreamId, "stream depends on itself");
            return Http2ReadStatus.Error;
        }

        error = default;
        return Http2ReadStatus.Complete;
    }

    /// <summary><c>RST_STREAM Frame { Length (24) = 0x04, Type (8) = 0x03, Unused Flags (8), Reserved (1), Stream Identifier (31), Error Code (32) }</c></summary>
    private static Http2ReadStatus ReadRstStream(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = default;

        // RFC 9113 §6.4: "If a RST_STREAM frame is received with a stream identifier of 0x00, the recipient MUST treat
        // this as a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (header.StreamId == 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "RST_STREAM on stream 0");
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §6.4: "A RST_STREAM frame with a length other than 4 octets MUST be treated as a connection error
        // (Section 5.4.1) of type FRAME_SIZE_ERROR."
        if (header.Length != 4)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, header.StreamId, "RST_STREAM length not 4");
            return Http2ReadStatus.Error;
        }

        frame = new Http2Frame(header, payload, code: ReadUInt32(payload));
        error = default;
        return Http2ReadStatus.Complete;
    }

    /// <summary><c>SETTINGS Frame { Length (24), Type (8) = 0x04, Unused Flags (7), ACK Flag (1), Reserved (1), Stream Identifier (31) = 0, Setting (48) ... }</c></summary>
    private static Http2ReadStatus ReadSettings(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = default;

        // RFC 9113 §6.5: "If an endpoint receives a SETTINGS frame whose Stream Identifier field is anything other than
        // 0x00, the endpoint MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (header.StreamId != 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "SETTINGS on a stream");
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §6.5: "Receipt of a SETTINGS frame with the ACK flag set and a length field value other than 0 MUST
        // be treated as a connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
        if (header.HasFlag(Http2FrameFlags.Ack) && header.Length != 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0, "SETTINGS ACK with a payload");
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §6.5: "A SETTINGS frame with a length other than a multiple of 6 octets MUST be treated as a
        // connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
        if (header.Length % Http2Settings.EntrySize != 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0, "SETTINGS length not a multiple of 6");
            return Http2ReadStatus.Error;
        }

        var reader = new SequenceReader<byte>(payload);
        while (reader.TryReadBigEndian(out short identifier) && reader.TryReadBigEndian(out int value))
        {
            if (!Http2Settings.TryValidate((ushort)identifier, (uint)value, out error))
            {
                return Http2ReadStatus.Error;
            }
        }

        return Accept(header, payload, out frame, out error);
    }

    private static Http2ReadStatus RefusePushPromise(Http2FrameHeader header, out Http2Frame frame, out Http2FrameError error)
    {
        // RFC 9113 §8.4: "A client cannot push. Thus, servers MUST treat the receipt of a PUSH_PROMISE frame as a
        // connection error (Section 5.4.1) of type PROTOCOL_ERROR." This reader is the server side's.
        frame = default;
        error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "PUSH_PROMISE from a client");
        return Http2ReadStatus.Error;
    }

    /// <summary><c>PING Frame { Length (24) = 0x08, Type (8) = 0x06, Unused Flags (7), ACK Flag (1), Reserved (1), Stream Identifier (31) = 0, Opaque Data (64) }</c></summary>
    private static Http2ReadStatus ReadPing(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = default;

        // RFC 9113 §6.7: "If a PING frame is received with a Stream Identifier field value other than 0x00, the
        // recipient MUST respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (header.StreamId != 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "PING on a stream");
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §6.7: "Receipt of a PING frame with a length field value other than 8 MUST be treated as a
        // connection error (Section 5.4.1) of type FRAME_SIZE_ERROR."
        if (header.Length != 8)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0, "PING length not 8");
            return Http2ReadStatus.Error;
        }

        return Accept(header, payload, out frame, out error);
    }

    /// <summary><c>GOAWAY Frame { Length (24), Type (8) = 0x07, Unused Flags (8), Reserved (1), Stream Identifier (31) = 0, Reserved (1), Last-Stream-ID (31), Error Code (32), Additional Debug Data (..) }</c></summary>
    private static Http2ReadStatus ReadGoAway(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = default;

        // RFC 9113 §6.8: "An endpoint MUST treat a GOAWAY frame with a stream identifier other than 0x00 as a connection
        // error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (header.StreamId != 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "GOAWAY on a stream");
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §4.2: too small to contain its mandatory Last-Stream-ID and Error Code.
        if (header.Length < 8)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, 0, "GOAWAY shorter than 8 octets");
            return Http2ReadStatus.Error;
        }

        var lastStreamId = (int)(ReadUInt32(payload) & 0x7FFF_FFFF);
        frame = new Http2Frame(header, payload.Slice(8), lastStreamId, ReadUInt32(payload.Slice(4)));
        error = default;
        return Http2ReadStatus.Complete;
    }

    /// <summary><c>WINDOW_UPDATE Frame { Length (24) = 0x04, Type (8) = 0x08, Unused Flags (8), Reserved (1), Stream Identifier (31), Reserved (1), Window Size Increment (31) }</c></summary>
    private static Http2ReadStatus ReadWindowUpdate(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = default;

        // RFC 9113 §6.9: "A WINDOW_UPDATE frame with a length other than 4 octets MUST be treated as a connection error
        // (Section 5.4.1) of type FRAME_SIZE_ERROR."
        if (header.Length != 4)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.FrameSizeError, header.StreamId, "WINDOW_UPDATE length not 4");
            return Http2ReadStatus.Error;
        }

        var increment = (int)(ReadUInt32(payload) & 0x7FFF_FFFF);
        frame = new Http2Frame(header, payload, increment);

        // RFC 9113 §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a flow-control window
        // increment of 0 as a stream error (Section 5.4.2) of type PROTOCOL_ERROR; errors on the connection
        // flow-control window MUST be treated as a connection error (Section 5.4.1)."
        if (increment == 0)
        {
            error = header.StreamId == 0
                ? Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "WINDOW_UPDATE increment 0 on the connection")
                : Http2FrameError.Stream(Http2ErrorCode.ProtocolError, header.StreamId, "WINDOW_UPDATE increment 0");
            return Http2ReadStatus.Error;
        }

        error = default;
        return Http2ReadStatus.Complete;
    }

    /// <summary><c>CONTINUATION Frame { Length (24), Type (8) = 0x09, Unused Flags (5), END_HEADERS Flag (1), Unused Flags (2), Reserved (1), Stream Identifier (31), Field Block Fragment (..) }</c></summary>
    private Http2ReadStatus ReadContinuation(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = default;

        // RFC 9113 §6.10: "If a CONTINUATION frame is received with a Stream Identifier field of 0x00, the recipient MUST
        // respond with a connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (header.StreamId == 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, 0, "CONTINUATION on stream 0");
            return Http2ReadStatus.Error;
        }

        // RFC 9113 §6.10: "A CONTINUATION frame MUST be preceded by a HEADERS, PUSH_PROMISE or CONTINUATION frame
        // without the END_HEADERS flag set. A recipient that observes violation of this rule MUST respond with a
        // connection error (Section 5.4.1) of type PROTOCOL_ERROR." (A wrong stream was refused in TryRead.)
        if (_fieldBlockStreamId == 0)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.ProtocolError, header.StreamId, "CONTINUATION without an open field block");
            return Http2ReadStatus.Error;
        }

        if (!GrowFieldBlock(header, header.Length, out error))
        {
            return Http2ReadStatus.Error;
        }

        if (header.HasFlag(Http2FrameFlags.EndHeaders))
        {
            _fieldBlockStreamId = 0;
            _fieldBlockSize = 0;
        }

        frame = new Http2Frame(header, payload);
        return Http2ReadStatus.Complete;
    }

    private bool StartFieldBlock(Http2FrameHeader header, long fragmentLength, out Http2FrameError error)
    {
        _fieldBlockSize = 0;
        if (!GrowFieldBlock(header, fragmentLength, out error))
        {
            return false;
        }

        _fieldBlockStreamId = header.HasFlag(Http2FrameFlags.EndHeaders) ? 0 : header.StreamId;
        if (_fieldBlockStreamId == 0)
        {
            _fieldBlockSize = 0;
        }

        return true;
    }

    private bool GrowFieldBlock(Http2FrameHeader header, long fragmentLength, out Http2FrameError error)
    {
        _fieldBlockSize += (int)fragmentLength;

        // RFC 9113 §10.5: an endpoint "can treat" header abuse as excessive load; bounding the compressed block here
        // stops a CONTINUATION flood before any of it is decoded (see also §10.5.1).
        if (_fieldBlockSize > MaxFieldBlockSize)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, header.StreamId, "field block larger than the limit");
            return false;
        }

        error = default;
        return true;
    }

    private static Http2ReadStatus Accept(Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Frame frame, out Http2FrameError error)
    {
        frame = new Http2Frame(header, payload);
        error = default;
        return Http2ReadStatus.Complete;
    }

    private static byte FirstByte(in ReadOnlySequence<byte> payload)
    {
        var first = payload.FirstSpan;
        return first.Length > 0 ? first[0] : ReadByteAt(payload, 0);
    }

    private static byte ReadByteAt(in ReadOnlySequence<byte> payload, long offset)
    {
        var reader = new SequenceReader<byte>(payload);
        reader.Advance(offset);
        reader.TryRead(out var value);
        return value;
    }

    private static uint ReadUInt32(in ReadOnlySequence<byte> payload)
    {
        var first = payload.FirstSpan;
        if (first.Length >= 4)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(first);
        }

        var reader = new SequenceReader<byte>(payload);
        reader.TryReadBigEndian(out int value);
        return (uint)value;
    }
}
