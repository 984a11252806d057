using System.Text;

namespace FastProxy.Http.Proxy;

/// <summary>The protocols the proxy lets a request upgrade its connection to (RFC 9110 §7.8).</summary>
internal static class UpgradeProtocols
{
    /// <summary>RFC 6455 §4.1: the WebSocket opening handshake's Upgrade value (case-insensitive).</summary>
    public static ReadOnlySpan<byte> WebSocket => "websocket"u8;

    /// <summary>
    /// True only for exactly WebSocket. A list ("websocket, h2c") is not: the upstream would pick from it, and h2c would
    /// turn the connection into an HTTP/2 one whose requests the gate never sees (h2c smuggling).
    /// </summary>
    public static bool IsAllowed(ReadOnlySpan<byte> protocol) => Ascii.EqualsIgnoreCase(protocol, WebSocket);
}
