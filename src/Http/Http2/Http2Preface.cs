using System.Buffers;

namespace FastProxy.Http.Http2;

/// <summary>
/// The client connection preface (RFC 9113 §3.4): 24 fixed octets, then a SETTINGS frame. On a plain listener it
/// tells prior-knowledge HTTP/2 from HTTP/1.1 (no HTTP/1.1 request line starts with "PRI * HTTP/2.0").
/// </summary>
public static class Http2Preface
{
    public const int Length = 24;

    /// <summary>"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".</summary>
    public static ReadOnlySpan<byte> Bytes => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>
    /// Complete when the buffer starts with the whole preface (<paramref name="consumed"/> is just past it);
    /// Incomplete when what has arrived is a prefix of it (nothing consumed); Error otherwise
    /// (RFC 9113 §3.4: an invalid preface "MUST" be a connection error of type PROTOCOL_ERROR).
    /// </summary>
    public static Http2ReadStatus TryRead(in ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        consumed = buffer.Start;
        Span<byte> head = stackalloc byte[Length];
        var available = (int)Math.Min(buffer.Length, Length);
        buffer.Slice(0, available).CopyTo(head);
        if (!head[..available].SequenceEqual(Bytes[..available]))
        {
            return Http2ReadStatus.Error;
        }

        if (available < Length)
        {
            return Http2ReadStatus.Incomplete;
        }

        consumed = buffer.GetPosition(Length);
        return Http2ReadStatus.Complete;
    }
}
