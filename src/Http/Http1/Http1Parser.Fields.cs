namespace FastProxy.Http.Http1;

public static partial class Http1Parser
{
    /// <summary>
    /// RFC 9112 §5: field-line = field-name ":" OWS field-value OWS. <paramref name="line"/> is one line without its
    /// CRLF, starting at <paramref name="offset"/> in the head buffer.
    /// </summary>
    internal static Http1ErrorKind ParseFieldLine(ReadOnlySpan<byte> line, int offset, out HeaderEntry entry)
    {
        entry = default;

        // RFC 9112 §5.2: obs-fold (a line starting with SP/HTAB) outside message/http is rejected with 400.
        if (Http1Chars.IsWhitespace(line[0]))
        {
            return Http1ErrorKind.ObsFold;
        }

        var colon = line.IndexOf(Http1Chars.Colon);
        if (colon < 0)
        {
            return line.Contains(Http1Chars.CR) ? Http1ErrorKind.BareCR : Http1ErrorKind.MissingColon;
        }

        // RFC 9110 §5.1: field-name = token, so it cannot be empty.
        if (colon == 0)
        {
            return Http1ErrorKind.InvalidHeaderName;
        }

        var name = line[..colon];

        // RFC 9112 §5.1: no whitespace is allowed between the field name and colon; a server MUST reject it with 400.
        if (Http1Chars.IsWhitespace(name[^1]))
        {
            return Http1ErrorKind.WhitespaceBeforeColon;
        }

        var bad = name.IndexOfAnyExcept(Http1Chars.TChar);
        if (bad >= 0)
        {
            return name[bad] == Http1Chars.CR ? Http1ErrorKind.BareCR : Http1ErrorKind.InvalidHeaderName;
        }

        // RFC 9110 §5.5: field values hold no CTL but HTAB; a CR, LF or NUL inside a value MUST be rejected
        // (or replaced; we reject). LF cannot occur here: lines were split on it.
        var rawValue = line[(colon + 1)..];
        bad = rawValue.IndexOfAny(Http1Chars.InvalidFieldValue);
        if (bad >= 0)
        {
            return rawValue[bad] == Http1Chars.CR ? Http1ErrorKind.BareCR : Http1ErrorKind.InvalidCharacter;
        }

        // RFC 9112 §5.1: OWS before and after the value is not part of it.
        var valueStart = 0;
        while (valueStart < rawValue.Length && Http1Chars.IsWhitespace(rawValue[valueStart]))
        {
            valueStart++;
        }

        var valueEnd = rawValue.Length;
        while (valueEnd > valueStart && Http1Chars.IsWhitespace(rawValue[valueEnd - 1]))
        {
            valueEnd--;
        }

        entry = new HeaderEntry(offset, colon, offset + colon + 1 + valueStart, valueEnd - valueStart, KnownHeaders.Lookup(name));
        return Http1ErrorKind.None;
    }
}
