using FastProxy.Core.Gate;

namespace FastProxy.Http.Http1;

public static partial class Http1Parser
{
    // "HTTP/1.1 200 " : version (8), SP, 3DIGIT, SP.
    private const int MinStatusLineLength = 13;

    /// <summary>Phase 3 for a response head.</summary>
    private static Http1ErrorKind ParseResponseHead(ReadOnlySpan<byte> h, Http1ResponseHead head, RequestMethod requestMethod, in Http1Limits limits)
    {
        var kind = NextLine(h, 0, out var lineLength);
        if (kind != Http1ErrorKind.None)
        {
            return kind;
        }

        if (lineLength > limits.MaxRequestLineBytes)
        {
            return Http1ErrorKind.RequestLineTooLong;
        }

        kind = ParseStatusLine(h[..lineLength], head);
        if (kind != Http1ErrorKind.None)
        {
            return kind;
        }

        var fields = new FieldState();
        kind = ParseFields(h, lineLength + 2, head.Buffer, limits.MaxHeaderCount, ref fields);
        head.SeenHeaders = fields.Seen;
        return kind != Http1ErrorKind.None ? kind : ApplyResponseSemantics(h, head, requestMethod, in fields);
    }

    /// <summary>RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ].</summary>
    private static Http1ErrorKind ParseStatusLine(ReadOnlySpan<byte> line, Http1ResponseHead head)
    {
        // The SP after the status code is required even with an empty reason (strict reading of §4).
        if (line.Length < MinStatusLineLength || line[8] != Http1Chars.SP || line[12] != Http1Chars.SP)
        {
            return Http1ErrorKind.InvalidStatusLine;
        }

        var kind = ParseVersion(line[..8], out var minor);
        if (kind != Http1ErrorKind.None)
        {
            return kind;
        }

        // RFC 9110 §15: status-code = 3DIGIT; values outside 100-599 are invalid.
        var d0 = (uint)(line[9] - '0');
        var d1 = (uint)(line[10] - '0');
        var d2 = (uint)(line[11] - '0');
        if (d0 > 9 || d1 > 9 || d2 > 9)
        {
            return Http1ErrorKind.InvalidStatusCode;
        }

        var status = (int)((d0 * 100) + (d1 * 10) + d2);
        if (status is < 100 or > 599)
        {
            return Http1ErrorKind.InvalidStatusCode;
        }

        // RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
        var reason = line[MinStatusLineLength..];
        var bad = reason.IndexOfAny(Http1Chars.InvalidReason);
        if (bad >= 0)
        {
            return reason[bad] == Http1Chars.CR ? Http1ErrorKind.BareCR : Http1ErrorKind.InvalidCharacter;
        }

        head.VersionMinor = minor;
        head.StatusCode = status;
        head.ReasonStart = MinStatusLineLength;
        head.ReasonLength = reason.Length;
        return Http1ErrorKind.None;
    }

    /// <summary>RFC 9112 §6.3: decides how the response body is delimited and whether the connection persists.</summary>
    private static Http1ErrorKind ApplyResponseSemantics(ReadOnlySpan<byte> h, Http1ResponseHead head, RequestMethod requestMethod, in FieldState fields)
    {
        var http11 = head.VersionMinor == 1;
        var status = head.StatusCode;
        var options = head.Buffer.ConnectionOptions;
        head.KeepAlive = !options.Close && (http11 || options.KeepAlive);
        head.HasContentLength = fields.ContentLengthSeen;
        head.DeclaredContentLength = fields.ContentLength;

        // RFC 9112 §6.3 rule 1: a response to HEAD, any 1xx, 204 and 304 end at the blank line whatever their fields
        // say. Rule 2: a 2xx to CONNECT switches to a tunnel.
        if (requestMethod == RequestMethod.Head || status is < 200 or 204 or 304
            || (requestMethod == RequestMethod.Connect && status is >= 200 and < 300))
        {
            head.BodyKind = ResponseBodyKind.None;
            return Http1ErrorKind.None;
        }

        if (fields.TransferEncodingCount > 0)
        {
            var framing = CheckTransferEncoding(in fields, http11);
            if (framing != Http1ErrorKind.None)
            {
                return framing;
            }

            head.BodyKind = ResponseBodyKind.Chunked;
            return Http1ErrorKind.None;
        }

        if (fields.ContentLengthSeen)
        {
            // RFC 9112 §6.3 rule 6.
            head.BodyKind = ResponseBodyKind.ContentLength;
            head.ContentLength = fields.ContentLength;
            head.HasContentLengthList = fields.ContentLengthList;
            return Http1ErrorKind.None;
        }

        // RFC 9112 §6.3 rule 8: the body runs to the end of the connection, which therefore cannot be reused.
        head.BodyKind = ResponseBodyKind.CloseDelimited;
        head.KeepAlive = false;
        return Http1ErrorKind.None;
    }
}
