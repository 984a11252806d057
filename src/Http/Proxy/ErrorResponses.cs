using System.Text;
using FastProxy.Core.Errors;

namespace FastProxy.Http.Proxy;

/// <summary>
/// The proxy's own short HTTP/1.1 answers, one per <see cref="ProxyErrorKind"/>, built once from
/// <see cref="ProxyErrorMapping"/>: a status line, a tiny JSON body that says what went wrong in general
/// terms (never echoing request bytes), and `Connection: close` where the connection cannot be trusted afterwards.
/// </summary>
internal static class ErrorResponses
{
    private static readonly byte[][] Closing = Build(close: true);
    private static readonly byte[][] KeepingAlive = Build(close: false);
    private static readonly byte[][] Bodies = BuildBodies();

    /// <summary>The complete response for <paramref name="kind"/>; with <paramref name="close"/> it announces the close.</summary>
    public static ReadOnlySpan<byte> Get(ProxyErrorKind kind, bool close)
    {
        var table = close ? Closing : KeepingAlive;
        return (uint)kind < (uint)table.Length ? table[(int)kind] : table[(int)ProxyErrorKind.Internal];
    }

    /// <summary>The JSON body alone (application/json), for a protocol that frames the status and fields itself (HTTP/2).</summary>
    public static ReadOnlyMemory<byte> Body(ProxyErrorKind kind)
        => (uint)kind < (uint)Bodies.Length ? Bodies[(int)kind] : Bodies[(int)ProxyErrorKind.Internal];

    private static byte[][] Build(bool close)
    {
        var kinds = Enum.GetValues<ProxyErrorKind>();
        var table = new byte[(int)kinds[^1] + 1][];
        foreach (var kind in kinds)
        {
            var status = ProxyErrorMapping.ToStatus(kind);
            var body = BodyText(status);
            var head = $"HTTP/1.1 {status} {ProxyErrorMapping.ReasonPhrase(status)}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";
            table[(int)kind] = Encoding.ASCII.GetBytes(head + body);
        }

        return table;
    }

    private static byte[][] BuildBodies()
    {
        var kinds = Enum.GetValues<ProxyErrorKind>();
        var table = new byte[(int)kinds[^1] + 1][];
        foreach (var kind in kinds)
        {
            table[(int)kind] = Encoding.ASCII.GetBytes(BodyText(ProxyErrorMapping.ToStatus(kind)));
        }

        return table;
    }

    private static string BodyText(int status) => $"{{\"error\":\"{Code(status)}\",\"status\":{status}}}\n";

    /// <summary>The body's error code: per status, so every kind answering one status reads the same to clients.</summary>
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
