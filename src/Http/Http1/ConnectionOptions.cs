using System.Text;

namespace FastProxy.Http.Http1;

/// <summary>
/// The connection options (RFC 9110 §7.6.1) that one head's Connection fields list, parsed once per message into a
/// bounded set, so deciding whether a field is hop-by-hop costs a bit test (known fields) or at most
/// <see cref="MaxOptions"/> length-first compares, never a rescan of every Connection list per field.
/// </summary>
/// <remarks>
/// The options that are framing or routing fields the proxy relies on (Host, Content-Length, Transfer-Encoding) are
/// refused: a next hop that honoured such a token would drop the field that tells it where the message ends, and the
/// bytes after it would become a request no route, policy or header stripping ever saw (request smuggling).
/// </remarks>
internal sealed class ConnectionOptions
{
    /// <summary>
    /// Options other than known fields and close/keep-alive/upgrade a head may list. Real clients name one or two
    /// (e.g. "TE"); 16 keeps the per-field check of an upstream-bound head at a handful of compares.
    /// </summary>
    public const int MaxOptions = 16;

    private readonly int[] _starts = new int[MaxOptions];
    private readonly int[] _lengths = new int[MaxOptions];
    private int _count;

    /// <summary>Bit per <see cref="KnownHeader"/> named as an option.</summary>
    public ulong KnownNamed { get; private set; }

    /// <summary>The "close" option (RFC 9112 §9.6).</summary>
    public bool Close { get; private set; }

    /// <summary>The "keep-alive" option (RFC 9112 §9.3, HTTP/1.0 persistence).</summary>
    public bool KeepAlive => (KnownNamed & Bit(KnownHeader.KeepAlive)) != 0;

    /// <summary>The "upgrade" option (RFC 9110 §7.8).</summary>
    public bool Upgrade => (KnownNamed & Bit(KnownHeader.Upgrade)) != 0;

    public void Clear()
    {
        _count = 0;
        KnownNamed = 0;
        Close = false;
    }

    /// <summary>
    /// Adds the options of one Connection field value found at <paramref name="valueStart"/> in <paramref name="head"/>.
    /// RFC 9110 §7.6.1: Connection = #connection-option, connection-option = token; empty list elements are ignored
    /// (§5.6.1).
    /// </summary>
    public Http1ErrorKind Add(ReadOnlySpan<byte> head, int valueStart, int valueLength)
    {
        var offset = valueStart;
        var end = valueStart + valueLength;
        while (offset <= end)
        {
            var rest = head[offset..end];
            var comma = rest.IndexOf(Http1Chars.Comma);
            var elementLength = comma < 0 ? rest.Length : comma;
            var kind = AddElement(head, offset, elementLength);
            if (kind != Http1ErrorKind.None)
            {
                return kind;
            }

            offset += elementLength + 1;
        }

        return Http1ErrorKind.None;
    }

    /// <summary>True when <paramref name="name"/> (recognised as <paramref name="known"/>) is listed as an option.</summary>
    public bool Names(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name, KnownHeader known)
    {
        if (known != KnownHeader.Unknown)
        {
            return (KnownNamed & Bit(known)) != 0;
        }

        for (var i = 0; i < _count; i++)
        {
            if (_lengths[i] == name.Length && Ascii.EqualsIgnoreCase(head.Slice(_starts[i], _lengths[i]), name))
            {
                return true;
            }
        }

        return false;
    }

    private Http1ErrorKind AddElement(ReadOnlySpan<byte> head, int start, int length)
    {
        var element = head.Slice(start, length);
        var lead = 0;
        while (lead < element.Length && Http1Chars.IsWhitespace(element[lead]))
        {
            lead++;
        }

        var option = Http1Chars.TrimOws(element);
        if (option.IsEmpty)
        {
            return Http1ErrorKind.None;
        }

        if (option.IndexOfAnyExcept(Http1Chars.TChar) >= 0)
        {
            return Http1ErrorKind.InvalidConnectionOption;
        }

        var known = KnownHeaders.Lookup(option);
        switch (known)
        {
            case KnownHeader.Host:
            case KnownHeader.ContentLength:
            case KnownHeader.TransferEncoding:
                return Http1ErrorKind.ConnectionNamesFraming;
            case KnownHeader.Unknown when Ascii.EqualsIgnoreCase(option, "close"u8):
                Close = true;
                return Http1ErrorKind.None;
            case KnownHeader.Unknown:
                if (Names(head, option, known))
                {
                    return Http1ErrorKind.None;
                }

                if (_count == MaxOptions)
                {
                    return Http1ErrorKind.TooManyConnectionOptions;
                }

                _starts[_count] = start + lead;
                _lengths[_count] = option.Length;
                _count++;
                return Http1ErrorKind.None;
            default:
                KnownNamed |= Bit(known);
                return Http1ErrorKind.None;
        }
    }

    private static ulong Bit(KnownHeader header) => 1UL << (int)header;
}
