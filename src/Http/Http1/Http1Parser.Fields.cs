using System.Runtime.CompilerServices;

namespace FastProxy.Http.Http1;

public static partial class Http1Parser
{
    /// <summary>
    /// Parses the field lines from <paramref name="position"/> to the blank line, which must end <paramref name="h"/>.
    /// </summary>
    private static Http1ErrorKind ParseFields(ReadOnlySpan<byte> h, int position, Http1HeadBuffer buffer, int maxFields, ref FieldState fields)
    {
        while (true)
        {
            var kind = NextLine(h, position, out var lineLength);
            if (kind != Http1ErrorKind.None)
            {
                return kind;
            }

            if (lineLength == 0)
            {
                // Phase 1 ended the head at its first blank line; anything else means the input changed under us.
                return position + 2 == h.Length ? Http1ErrorKind.None : Http1ErrorKind.MalformedHead;
            }

            kind = ParseFieldLine(h.Slice(position, lineLength), position, out var entry);
            if (kind != Http1ErrorKind.None)
            {
                return kind;
            }

            // RFC 6585 §5 (phase 1 already counted; re-checked so the entry table never outgrows the limit).
            if (buffer.HeaderCount >= maxFields)
            {
                return Http1ErrorKind.TooManyHeaders;
            }

            var index = buffer.HeaderCount;
            buffer.Add(entry);
            kind = fields.Observe(h, entry, index, buffer.ConnectionOptions);
            if (kind != Http1ErrorKind.None)
            {
                return kind;
            }

            position += lineLength + 2;
        }
    }

    /// <summary>Cold path: why a field line has no valid "token:" prefix.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Http1ErrorKind ClassifyBadFieldName(ReadOnlySpan<byte> line)
    {
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

        return name.Contains(Http1Chars.CR) ? Http1ErrorKind.BareCR : Http1ErrorKind.InvalidHeaderName;
    }

    /// <summary>
    /// Finds the line starting at <paramref name="position"/>; <paramref name="lineLength"/> excludes its CRLF.
    /// Phase 1 checked the line ends already; checking again costs one compare per line and makes phase 3 correct on
    /// its own, whatever state phase 1 resumed from.
    /// </summary>
    private static Http1ErrorKind NextLine(ReadOnlySpan<byte> h, int position, out int lineLength)
    {
        var found = h[position..].IndexOf(Http1Chars.LF);
        lineLength = found - 1;
        if (found < 0)
        {
            return Http1ErrorKind.MalformedHead;
        }

        // RFC 9112 §2.2: CRLF only (see HeadScanner on bare LF).
        return found == 0 || h[position + found - 1] != Http1Chars.CR ? Http1ErrorKind.BareLF : Http1ErrorKind.None;
    }

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

        // One scan finds the end of the token; in a valid line that is the colon (RFC 9110 §5.1: field-name = token).
        var colon = line.IndexOfAnyExcept(Http1Chars.TChar);
        if (colon <= 0 || line[colon] != Http1Chars.Colon)
        {
            return ClassifyBadFieldName(line);
        }

        var name = line[..colon];

        // RFC 9110 §5.5: field values hold no CTL but HTAB; a CR, LF or NUL inside a value MUST be rejected
        // (or replaced; we reject). LF cannot occur here: lines were split on it.
        var rawValue = line[(colon + 1)..];
        var bad = rawValue.IndexOfAny(Http1Chars.InvalidFieldValue);
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

    /// <summary>
    /// The Transfer-Encoding rules requests and responses share; None when the body is chunked, exactly once, last.
    /// <list type="bullet">
    /// <item>With Content-Length: refused, not "Transfer-Encoding wins". For requests a sender MUST NOT send both (RFC 9112
    /// §6.1), and for responses the message "ought to be handled as an error" (§6.3 rule 3): forwarding either would hand
    /// the next hop an ambiguous message, the classic smuggling vector.</item>
    /// <item>In HTTP/1.0: the framing is faulty (§6.1).</item>
    /// <item>Chunked present but not the final coding, or twice (§6.1: never applied twice): a request's length cannot be
    /// determined (§6.3 rule 4: 400 and close); a response would be close-delimited, which we refuse because its length
    /// would depend on a coding we do not check (smuggling, cache poisoning).</item>
    /// <item>Any other coding: we cannot decode it, so the body could not be validated (a request SHOULD get 501, §6.1).</item>
    /// </list>
    /// </summary>
    private static Http1ErrorKind CheckTransferEncoding(in FieldState fields, bool http11)
    {
        if (fields.ContentLengthSeen)
        {
            return Http1ErrorKind.ContentLengthWithTransferEncoding;
        }

        if (!http11)
        {
            return Http1ErrorKind.TransferEncodingInHttp10;
        }

        if (fields.ChunkedNotFinal)
        {
            return Http1ErrorKind.ChunkedNotFinal;
        }

        return fields.IsExactlyChunked ? Http1ErrorKind.None : Http1ErrorKind.UnsupportedTransferEncoding;
    }
}
