namespace FastProxy.Core.Errors;

/// <summary>The one place where failures become response statuses (CONVENTIONS.md §10).</summary>
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
        ProxyErrorKind.NoRoute => 404,
        ProxyErrorKind.NoHealthyEndpoint => 503,
        ProxyErrorKind.PoolExhausted => 503,
        ProxyErrorKind.IdentityUnavailable => 503,
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
            or ProxyErrorKind.NotImplemented or ProxyErrorKind.ClientDisconnected or ProxyErrorKind.NoRoute => ProxyErrorSource.Downstream,
        ProxyErrorKind.IdentityUnavailable => ProxyErrorSource.Policy,
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
        _ => "Error",
    };
}
