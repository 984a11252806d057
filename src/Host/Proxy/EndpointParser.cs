using System.Globalization;
using System.Net;

namespace FastProxy.Host.Proxy;

/// <summary>Turns "127.0.0.1:9001", "[::1]:9001" or "name:9001" into an EndPoint (names resolve at connect time).</summary>
internal static class EndpointParser
{
    public static EndPoint Parse(string text)
    {
        if (IPEndPoint.TryParse(text, out var ip) && ip.Port != 0 && text.Contains(':', StringComparison.Ordinal))
        {
            return ip;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"'{text}' is not host:port");
        }

        return new DnsEndPoint(text[..colon], port);
    }

    public static IPEndPoint ParseListen(string text)
    {
        if (!IPEndPoint.TryParse(text, out var ip) || !text.Contains(':', StringComparison.Ordinal))
        {
            throw new FormatException($"listen address '{text}' must be an IP literal with a port, e.g. 127.0.0.1:8080 or [::]:8080");
        }

        return ip;
    }
}
