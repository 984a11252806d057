namespace FastProxy.Http.Proxy;

/// <summary>Reason phrases as bytes for the statuses the proxy itself produces (RFC 9110 §15).</summary>
internal static class ReasonPhrases
{
    public static ReadOnlySpan<byte> Get(int status) => status switch
    {
        400 => "Bad Request"u8,
        401 => "Unauthorized"u8,
        403 => "Forbidden"u8,
        404 => "Not Found"u8,
        405 => "Method Not Allowed"u8,
        429 => "Too Many Requests"u8,
        500 => "Internal Server Error"u8,
        502 => "Bad Gateway"u8,
        503 => "Service Unavailable"u8,
        504 => "Gateway Timeout"u8,
        _ => "Error"u8,
    };
}
