using System.Text;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// Which fields may travel in a trailer section the proxy restates (HTTP/2 trailers to chunked trailers and back).
/// RFC 9110 §6.5.1: a sender must not generate a trailer field that framing, routing, request modifiers,
/// authentication, response control or content processing depend on; a recipient that merged one into the head would
/// act on a field the gate never saw (an identity or credential arriving after the decision). Those are dropped,
/// on top of whatever the head transforms already drop.
/// </summary>
internal static class TrailerFields
{
    /// <summary>Whether <paramref name="name"/> may be passed on as a trailer field.</summary>
    public static bool IsAllowed(ReadOnlySpan<byte> name)
    {
        // Families first: conditional requests (If-*), content metadata (Content-*), proxy control (Proxy-*),
        // forwarding metadata (X-Forwarded-*).
        if (StartsWith(name, "if-"u8) || StartsWith(name, "content-"u8) || StartsWith(name, "proxy-"u8) || StartsWith(name, "x-forwarded-"u8))
        {
            return false;
        }

        return !(name.Length switch
        {
            2 => Is(name, "te"u8),
            3 => Is(name, "age"u8),
            4 => Is(name, "host"u8) || Is(name, "vary"u8) || Is(name, "date"u8),
            5 => Is(name, "range"u8),
            6 => Is(name, "cookie"u8) || Is(name, "expect"u8) || Is(name, "pragma"u8),
            7 => Is(name, "trailer"u8) || Is(name, "upgrade"u8) || Is(name, "expires"u8),
            8 => Is(name, "location"u8),
            9 => Is(name, "forwarded"u8) || Is(name, "x-real-ip"u8),
            10 => Is(name, "connection"u8) || Is(name, "keep-alive"u8) || Is(name, "set-cookie"u8),
            11 => Is(name, "retry-after"u8),
            12 => Is(name, "max-forwards"u8) || Is(name, "x-request-id"u8),
            13 => Is(name, "authorization"u8) || Is(name, "cache-control"u8),
            16 => Is(name, "www-authenticate"u8),
            17 => Is(name, "transfer-encoding"u8),
            _ => false,
        });
    }

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> field) => Ascii.EqualsIgnoreCase(name, field);

    private static bool StartsWith(ReadOnlySpan<byte> name, ReadOnlySpan<byte> prefix)
        => name.Length >= prefix.Length && Ascii.EqualsIgnoreCase(name[..prefix.Length], prefix);
}
