using System.Buffers;
using System.Runtime.InteropServices;

namespace FastProxy.Http.Http2;

/// <summary>
/// One validated frame as <see cref="Http2FrameReader"/> hands it over. <see cref="Payload"/> is what the frame carries
/// for its type, framing removed: DATA's data and HEADERS' field block fragment come without Pad Length, padding and
/// priority fields; SETTINGS gives its entries, PING its 8 opaque octets, GOAWAY its debug data. Flow control counts
/// <see cref="Http2FrameHeader.Length"/> (padding included, RFC 9113 §6.1), not the payload.
/// The payload slices the reader's input: it is valid until the caller advances past the frame.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct Http2Frame
{
    // The per-type scalar fields share storage: a frame has at most one stream id-like number and one code-like value.
    private readonly int _number;
    private readonly uint _code;
    private readonly bool _exclusive;

    internal Http2Frame(Http2FrameHeader header, ReadOnlySequence<byte> payload, int number = 0, uint code = 0, bool exclusive = false)
    {
        Header = header;
        Payload = payload;
        _number = number;
        _code = code;
        _exclusive = exclusive;
    }

    public Http2FrameHeader Header { get; }

    public ReadOnlySequence<byte> Payload { get; }

    public Http2FrameType Type => Header.Type;

    public int StreamId => Header.StreamId;

    public bool EndStream => Header.HasFlag(Http2FrameFlags.EndStream);

    public bool EndHeaders => Header.HasFlag(Http2FrameFlags.EndHeaders);

    public bool IsAck => Header.HasFlag(Http2FrameFlags.Ack);

    /// <summary>HEADERS with the PRIORITY flag, and PRIORITY: the stream this one depends on (RFC 9113 §5.3.2, deprecated but parsed).</summary>
    public int StreamDependency => Type is Http2FrameType.Headers or Http2FrameType.Priority ? _number : 0;

    /// <summary>HEADERS with the PRIORITY flag, and PRIORITY: the E bit.</summary>
    public bool Exclusive => _exclusive;

    /// <summary>HEADERS with the PRIORITY flag, and PRIORITY: the weight field plus one (1..256), 16 when absent (RFC 9113 §5.3.2).</summary>
    public int Weight => Type is Http2FrameType.Headers or Http2FrameType.Priority && _code != 0 ? (int)_code : 16;

    /// <summary>RST_STREAM and GOAWAY: the error code.</summary>
    public Http2ErrorCode ErrorCode => Type is Http2FrameType.RstStream or Http2FrameType.GoAway ? (Http2ErrorCode)_code : Http2ErrorCode.NoError;

    /// <summary>GOAWAY: the last stream the peer may have processed.</summary>
    public int LastStreamId => Type == Http2FrameType.GoAway ? _number : 0;

    /// <summary>WINDOW_UPDATE: the window size increment (1..2^31-1).</summary>
    public int WindowIncrement => Type == Http2FrameType.WindowUpdate ? _number : 0;

    /// <summary>PING: the 8 opaque octets as one number, to echo back in the ACK.</summary>
    public ulong PingData
    {
        get
        {
            var reader = new SequenceReader<byte>(Payload);
            return Type == Http2FrameType.Ping && reader.TryReadBigEndian(out long value) ? (ulong)value : 0;
        }
    }
}
