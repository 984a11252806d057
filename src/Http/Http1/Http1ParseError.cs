using System.Runtime.InteropServices;
using FastProxy.Core.Errors;

namespace FastProxy.Http.Http1;

/// <summary>Why a head was rejected and which status the proxy answers with.</summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct Http1ParseError
{
    internal Http1ParseError(Http1ErrorKind kind, ProxyErrorKind errorKind)
    {
        Kind = kind;
        ErrorKind = errorKind;
    }

    public Http1ErrorKind Kind { get; }

    /// <summary>
    /// The failure the proxy answers: for a request one that maps to 400, 413, 414, 431, 501 or 505; for an upstream
    /// response always <see cref="ProxyErrorKind.UpstreamBadResponse"/> (the client's request was fine, the upstream's
    /// answer was not).
    /// </summary>
    public ProxyErrorKind ErrorKind { get; }

    /// <summary>The status to answer (<see cref="ProxyErrorMapping"/> of <see cref="ErrorKind"/>).</summary>
    public int Status => ProxyErrorMapping.ToStatus(ErrorKind);

    internal static Http1ParseError ForRequest(Http1ErrorKind kind) => new(kind, RequestErrorKind(kind));

    internal static Http1ParseError ForResponse(Http1ErrorKind kind) => new(kind, ProxyErrorKind.UpstreamBadResponse);

    /// <summary>The status a request rejected for <paramref name="kind"/> gets.</summary>
    public static int RequestStatus(Http1ErrorKind kind) => ProxyErrorMapping.ToStatus(RequestErrorKind(kind));

    /// <summary>The failure a request rejected for <paramref name="kind"/> is.</summary>
    public static ProxyErrorKind RequestErrorKind(Http1ErrorKind kind) => kind switch
    {
        // RFC 9110 §15.5.15: URI Too Long
        Http1ErrorKind.RequestLineTooLong => ProxyErrorKind.RequestLineTooLong,

        // RFC 6585 §5: Request Header Fields Too Large
        Http1ErrorKind.HeadersTooLarge or Http1ErrorKind.TooManyHeaders => ProxyErrorKind.RequestHeadersTooLarge,

        // RFC 9112 §6.1: a server that receives a transfer coding it does not understand SHOULD respond 501
        Http1ErrorKind.UnsupportedTransferEncoding => ProxyErrorKind.NotImplemented,

        // RFC 9110 §15.6.6: HTTP Version Not Supported
        Http1ErrorKind.UnsupportedVersion => ProxyErrorKind.VersionNotSupported,

        // a chunked body over its cap (RFC 9110 §15.5.14)
        Http1ErrorKind.BodyTooLarge => ProxyErrorKind.RequestBodyTooLarge,
        _ => ProxyErrorKind.BadRequest,
    };

    /// <summary>A fixed, secret-free description for a log line (never echoes input bytes).</summary>
    public static string Describe(Http1ErrorKind kind) => kind switch
    {
        Http1ErrorKind.None => "no error",
        Http1ErrorKind.InvalidRequestLine => "malformed request line",
        Http1ErrorKind.InvalidMethod => "method is not a token",
        Http1ErrorKind.InvalidTarget => "request target has an invalid character or form",
        Http1ErrorKind.InvalidPath => "path does not start with '/'",
        Http1ErrorKind.PathEmptySegment => "path has an empty segment ('//'; many servers merge slashes)",
        Http1ErrorKind.PathParameter => "path has a ';' parameter (servlet containers strip them)",
        Http1ErrorKind.PathBackslash => "path has a backslash (some servers read it as '/')",
        Http1ErrorKind.PathDotSegment => "path has a dot-segment ('.' or '..')",
        Http1ErrorKind.PathBadEscape => "path has a malformed percent-escape",
        Http1ErrorKind.PathEncodedSeparator => "path has an encoded '/', '\\' or NUL",
        Http1ErrorKind.PathEncodedUnreserved => "path has a percent-encoded letter, digit or '-._~' (servers decode it before routing)",
        Http1ErrorKind.PathDoubleEncoded => "path has a double-encoded escape ('%25' and two hex digits)",
        Http1ErrorKind.UnsupportedVersion => "HTTP version other than 1.0 or 1.1",
        Http1ErrorKind.RequestLineTooLong => "request line over the limit",
        Http1ErrorKind.LeadingEmptyLines => "more than one empty line before the request line",
        Http1ErrorKind.InvalidStatusLine => "malformed status line",
        Http1ErrorKind.InvalidStatusCode => "status code outside 100-599",
        Http1ErrorKind.HeadersTooLarge => "head over the size limit",
        Http1ErrorKind.TooManyHeaders => "more header fields than the limit",
        Http1ErrorKind.MissingColon => "field line without a colon",
        Http1ErrorKind.InvalidHeaderName => "field name empty or not a token",
        Http1ErrorKind.WhitespaceBeforeColon => "whitespace between field name and colon",
        Http1ErrorKind.ObsFold => "obsolete line folding",
        Http1ErrorKind.BareCR => "CR not followed by LF",
        Http1ErrorKind.BareLF => "LF not preceded by CR",
        Http1ErrorKind.InvalidCharacter => "control or invalid character in a field",
        Http1ErrorKind.MalformedHead => "head structure changed between reads",
        Http1ErrorKind.MissingHost => "HTTP/1.1 request without Host",
        Http1ErrorKind.MultipleHost => "more than one Host field",
        Http1ErrorKind.InvalidHost => "invalid host or port",
        Http1ErrorKind.InvalidContentLength => "invalid Content-Length",
        Http1ErrorKind.ConflictingContentLength => "differing Content-Length values",
        Http1ErrorKind.ContentLengthWithTransferEncoding => "both Content-Length and Transfer-Encoding",
        Http1ErrorKind.UnsupportedTransferEncoding => "transfer coding other than a single chunked",
        Http1ErrorKind.ChunkedNotFinal => "chunked is not the final transfer coding, or applied twice",
        Http1ErrorKind.TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 message",
        Http1ErrorKind.InvalidConnectionOption => "Connection field lists something other than tokens",
        Http1ErrorKind.TooManyConnectionOptions => "Connection fields list more options than the limit",
        Http1ErrorKind.ConnectionNamesFraming => "Connection names Host, Content-Length or Transfer-Encoding (would strip the message's framing)",
        Http1ErrorKind.InvalidChunkSize => "invalid chunk size",
        Http1ErrorKind.InvalidChunkExtension => "invalid chunk extension",
        Http1ErrorKind.ChunkLineTooLong => "chunk-size line over the limit",
        Http1ErrorKind.InvalidChunkTerminator => "chunk data not followed by CRLF",
        Http1ErrorKind.TrailerTooLarge => "trailer section over the limit",
        Http1ErrorKind.BodyTooLarge => "body over the limit",
        _ => "unknown HTTP/1.1 error",
    };
}
