namespace FastProxy.Core.Errors;

/// <summary>
/// The one place where failures become what a protocol tells the client (CONVENTIONS.md §10): an HTTP
/// status here, used by every response the proxy generates itself. HTTP/2 adds its stream error code
/// (RFC 9113 §7) next to <see cref="ToStatus"/>, for the failures that reset a stream instead of answering.
/// </summary>
public static class ProxyErrorMapping
{
    public static int ToStatus(ProxyErrorKind kind) => kind switch
    {
        ProxyErrorKind.BadRequest => 400,
        ProxyErrorKind.RequestLineTooLong => 414,
        ProxyErrorKind.RequestHeadersTooLarge => 431,
        ProxyErrorKind.RequestBodyTooLarge => 413,
        ProxyErrorKind.RequestHeadersTimeout => 408,
        ProxyErrorKind.NotImplemented => 501,
        ProxyErrorKind.VersionNotSupported => 505,
        ProxyErrorKind.NoRoute => 404,
        ProxyErrorKind.MethodNotAllowed => 405,
        ProxyErrorKind.NoHealthyEndpoint => 503,
        ProxyErrorKind.PoolExhausted => 503,
        ProxyErrorKind.IdentityUnavailable => 503,
        ProxyErrorKind.AuditUnavailable => 503,
        ProxyErrorKind.UpstreamConnectFailed => 502,
        ProxyErrorKind.UpstreamBadResponse => 502,
        ProxyErrorKind.UpstreamClosed => 502,
        ProxyErrorKind.UpstreamConnectTimeout => 504,
        ProxyErrorKind.UpstreamResponseTimeout => 504,
        _ => 500,
    };

    public static ProxyErrorSource SourceOf(ProxyErrorKind kind) => kind switch
    {
        ProxyErrorKind.BadRequest or ProxyErrorKind.RequestLineTooLong or ProxyErrorKind.RequestHeadersTooLarge
            or ProxyErrorKind.RequestBodyTooLarge or ProxyErrorKind.RequestHeadersTimeout
            or ProxyErrorKind.NotImplemented or ProxyErrorKind.VersionNotSupported or ProxyErrorKind.ClientDisconnected
            or ProxyErrorKind.NoRoute or ProxyErrorKind.MethodNotAllowed => ProxyErrorSource.Downstream,
        ProxyErrorKind.IdentityUnavailable or ProxyErrorKind.AuditUnavailable => ProxyErrorSource.Policy,
        ProxyErrorKind.Internal or ProxyErrorKind.None => ProxyErrorSource.Internal,
        _ => ProxyErrorSource.Upstream,
    };

    public static string ReasonPhrase(int status) => status switch
    {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };
}
