using System.Collections.Frozen;
using System.Text;
using FastProxy.Core.Errors;

namespace FastProxy.Http.Proxy;

/// <summary>
/// The proxy's own short answers (400, 404, 408, 413, 414, 431, 502, 503, 504, ...), built once:
/// a status line, a tiny JSON body that says what went wrong in general terms (never echoing
/// request bytes), and `Connection: close` where the connection cannot be trusted afterwards.
/// </summary>
internal static class ErrorResponses
{
    private static readonly int[] Statuses = [400, 403, 404, 405, 408, 413, 414, 431, 500, 501, 502, 503, 504, 505];

    private static readonly FrozenDictionary<int, byte[]> Closing = Build(close: true);
    private static readonly FrozenDictionary<int, byte[]> KeepingAlive = Build(close: false);

    /// <summary>The complete response for <paramref name="status"/>; with <paramref name="close"/> it announces the close.</summary>
    public static ReadOnlySpan<byte> Get(int status, bool close)
    {
        var table = close ? Closing : KeepingAlive;
        return table.TryGetValue(status, out var bytes) ? bytes : table[500];
    }

    private static FrozenDictionary<int, byte[]> Build(bool close)
    {
        var map = new Dictionary<int, byte[]>();
        foreach (var status in Statuses)
        {
            var reason = status == 505 ? "HTTP Version Not Supported" : ProxyErrorMapping.ReasonPhrase(status);
            var body = $"{{\"error\":\"{Code(status)}\",\"status\":{status}}}\n";
            var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";
            map[status] = Encoding.ASCII.GetBytes(head + body);
        }

        return map.ToFrozenDictionary();
    }

    private static string Code(int status) => status switch
    {
        400 => "bad_request",
        403 => "forbidden",
        404 => "no_route",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "body_too_large",
        414 => "uri_too_long",
        431 => "headers_too_large",
        501 => "not_implemented",
        502 => "bad_gateway",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        505 => "version_not_supported",
        _ => "internal_error",
    };
}
