using FastProxy.Http.Http1;
using FastProxy.Http.Http2.HPack;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Http2.Client;

/// <summary>
/// Collects one decoded response head or trailer block into a field list and checks it against RFC 9113 §8.3.2 and
/// §8.2 as it goes: exactly one valid :status before any regular field (heads), no other pseudo-header, no
/// pseudo-header at all in trailers, lowercase token names, no connection-specific fields, consistent content-length.
/// The first problem is kept in <see cref="Problem"/>; later fields are still consumed (the HPACK table must stay in step).
/// A struct passed by ref: no allocation per block.
/// </summary>
internal struct Http2ResponseFieldHandler : IHeaderHandler
{
    private readonly Http2FieldList? _fields;
    private readonly bool _trailers;
    private bool _regularSeen;

    public Http2ResponseFieldHandler(Http2FieldList? fields, bool trailers)
    {
        _fields = fields;
        _trailers = trailers;
        Status = -1;
        ContentLength = -1;
    }

    /// <summary>The :status, -1 when none (yet).</summary>
    public int Status { get; private set; }

    /// <summary>The declared content-length, -1 when none.</summary>
    public long ContentLength { get; private set; }

    /// <summary>What was wrong first, null when nothing.</summary>
    public string? Problem { get; private set; }

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (Problem is not null)
        {
            return;
        }

        if (!name.IsEmpty && name[0] == (byte)':')
        {
            OnPseudo(name, value);
            return;
        }

        _regularSeen = true;
        if (name.IsEmpty || name.IndexOfAnyExcept(Http1Chars.TChar) >= 0 || name.IndexOfAnyInRange((byte)'A', (byte)'Z') >= 0)
        {
            Problem = "field name not a lowercase token";
            return;
        }

        if (value.IndexOfAny(Http1Chars.InvalidFieldValue) >= 0)
        {
            Problem = "field value with a control character";
            return;
        }

        if (IsConnectionSpecific(name))
        {
            // RFC 9113 §8.2.2: "MUST be treated as malformed".
            Problem = "connection-specific field";
            return;
        }

        if (!_trailers && name.SequenceEqual("content-length"u8) && !TryContentLength(value))
        {
            return;
        }

        _fields?.Add(name, value);
    }

    private void OnPseudo(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        // RFC 9113 §8.1: "Pseudo-header fields MUST NOT appear in a trailer section"; §8.3: all before regular fields;
        // §8.3.2: :status is the only response pseudo-header, exactly once.
        if (_trailers)
        {
            Problem = "pseudo-header in trailers";
        }
        else if (_regularSeen)
        {
            Problem = "pseudo-header after a regular field";
        }
        else if (!name.SequenceEqual(":status"u8))
        {
            Problem = "pseudo-header other than :status";
        }
        else if (Status >= 0)
        {
            Problem = "more than one :status";
        }
        else if (value.Length != 3 || !IsDigit(value[0]) || !IsDigit(value[1]) || !IsDigit(value[2]) || value[0] == (byte)'0')
        {
            Problem = "bad :status";
        }
        else
        {
            Status = ((value[0] - '0') * 100) + ((value[1] - '0') * 10) + (value[2] - '0');
        }
    }

    private bool TryContentLength(ReadOnlySpan<byte> value)
    {
        long length = 0;
        if (value.IsEmpty || value.Length > 18)
        {
            Problem = "bad content-length";
            return false;
        }

        foreach (var b in value)
        {
            if (!IsDigit(b))
            {
                Problem = "bad content-length";
                return false;
            }

            length = (length * 10) + (b - '0');
        }

        if (ContentLength >= 0 && ContentLength != length)
        {
            Problem = "conflicting content-length";
            return false;
        }

        ContentLength = length;
        return true;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsConnectionSpecific(ReadOnlySpan<byte> name) => name.Length switch
    {
        7 => name.SequenceEqual("upgrade"u8),
        10 => name.SequenceEqual("connection"u8) || name.SequenceEqual("keep-alive"u8),
        16 => name.SequenceEqual("proxy-connection"u8),
        17 => name.SequenceEqual("transfer-encoding"u8),
        _ => false,
    };
}
