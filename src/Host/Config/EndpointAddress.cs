using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FastProxy.Host.Config;

/// <summary>
/// A parsed "host:port": "127.0.0.1:8080", "[::1]:8080" (IPv6 in brackets, RFC 3986 §3.2.2) or
/// "localhost:9001". <see cref="Address"/> is set for IP literals and null for names.
/// </summary>
public sealed record EndpointAddress(string Host, int Port, IPAddress? Address)
{
    /// <summary>RFC 1035 §2.3.4: 253 characters in text form, 63 per label.</summary>
    private const int MaxHostNameLength = 253;
    private const int MaxLabelLength = 63;

    /// <summary>The endpoint to bind or connect to; only for IP literals.</summary>
    public IPEndPoint? ToIPEndPoint() => Address is null ? null : new IPEndPoint(Address, Port);

    public override string ToString()
        => Address is { AddressFamily: AddressFamily.InterNetworkV6 }
            ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    /// <summary>Parses a listen (or admin) address: the host must be an IP literal; port 0 means "any free port".</summary>
    public static bool TryParseListen(string? text, [NotNullWhen(true)] out EndpointAddress? address, [NotNullWhen(false)] out string? error)
        => TryParse(text, allowNames: false, out address, out error);

    /// <summary>Parses an upstream endpoint: the host may be an IP literal or a DNS name.</summary>
    public static bool TryParseEndpoint(string? text, [NotNullWhen(true)] out EndpointAddress? address, [NotNullWhen(false)] out string? error)
        => TryParse(text, allowNames: true, out address, out error);

    private static bool TryParse(string? text, bool allowNames, [NotNullWhen(true)] out EndpointAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "address is empty; expected host:port, e.g. 127.0.0.1:8080";
            return false;
        }

        string host;
        string portText;
        IPAddress? ip = null;
        if (text[0] == '[')
        {
            // RFC 3986 §3.2.2: an IPv6 literal is enclosed in brackets.
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"address '{text}' is not [ipv6]:port";
                return false;
            }

            host = text[1..close];
            portText = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"address '{text}': '{host}' is not an IPv6 address";
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                error = $"address '{text}' has no port; expected host:port, e.g. 127.0.0.1:8080";
                return false;
            }

            host = text[..colon];
            portText = text[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                error = $"address '{text}': put an IPv6 address in brackets, e.g. [::1]:8080";
                return false;
            }

            if (host.Length == 0)
            {
                error = $"address '{text}' has no host; use 0.0.0.0:port or [::]:port to listen on all addresses";
                return false;
            }

            if (LooksLikeIPv4(host))
            {
                if (!TryParseDottedQuad(host, out ip))
                {
                    error = $"address '{text}': '{host}' is not an IPv4 address";
                    return false;
                }
            }
            else if (!allowNames)
            {
                error = $"address '{text}': the host must be an IP literal (e.g. 0.0.0.0, 127.0.0.1, [::]), not a name";
                return false;
            }
            else if (!IsHostName(host))
            {
                error = $"address '{text}': '{host}' is not a valid host name";
                return false;
            }
        }

        // Port 0 asks the OS for a free port: fine to listen on (tests, the demo), meaningless to connect to.
        var minPort = allowNames ? 1 : 0;
        if (portText.Length is 0 or > 5 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < minPort || port > 65535)
        {
            error = $"address '{text}': port '{portText}' is not a number from {minPort} to 65535";
            return false;
        }

        address = new EndpointAddress(ip?.ToString() ?? host.ToLowerInvariant(), port, ip);
        error = null;
        return true;
    }

    private static bool LooksLikeIPv4(string host)
    {
        foreach (var c in host)
        {
            if (!char.IsAsciiDigit(c) && c != '.')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Exactly four decimal octets: IPAddress.TryParse also takes "127.1" and "1", which hide typos.</summary>
    private static bool TryParseDottedQuad(string host, [NotNullWhen(true)] out IPAddress? ip)
    {
        ip = null;
        var parts = host.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < 4; i++)
        {
            if (parts[i].Length is 0 or > 3 || !byte.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        ip = new IPAddress(bytes);
        return true;
    }

    /// <summary>RFC 1123 §2.1 host names: dot-separated labels of letters, digits and '-', not starting or ending with '-'.</summary>
    internal static bool IsHostName(string host)
    {
        if (host.Length > MaxHostNameLength)
        {
            return false;
        }

        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }
}
