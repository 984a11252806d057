using Microsoft.Extensions.Logging;

namespace FastProxy.Tls.Logging;

/// <summary>Source-generated log messages for TLS (event ids 3000-3099).</summary>
internal static partial class TlsLog
{
    [LoggerMessage(3000, LogLevel.Information, "TLS client certificate rejected: {Reason}")]
    public static partial void ClientCertificateRejected(ILogger logger, string reason);

    [LoggerMessage(3001, LogLevel.Warning, "TLS upstream certificate of {Host} rejected: {Reason}")]
    public static partial void UpstreamCertificateRejected(ILogger logger, string host, string reason);

    [LoggerMessage(3002, LogLevel.Warning, "TLS handshake with upstream {Endpoint} (server name {ServerName}) failed: {Reason}")]
    public static partial void UpstreamHandshakeFailed(ILogger logger, System.Net.EndPoint endpoint, string serverName, string reason);

    [LoggerMessage(3003, LogLevel.Warning, "TLS handshake with upstream {Endpoint} (server name {ServerName}) not completed within {Milliseconds} ms")]
    public static partial void UpstreamHandshakeTimedOut(ILogger logger, System.Net.EndPoint endpoint, string serverName, double milliseconds);

    [LoggerMessage(3004, LogLevel.Debug, "connection {ConnectionId} to upstream {Endpoint}: {Protocol} with {ServerName}, ALPN '{Alpn}'")]
    public static partial void UpstreamHandshakeCompleted(ILogger logger, long connectionId, System.Net.EndPoint endpoint, string protocol, string serverName, string alpn);

    [LoggerMessage(3010, LogLevel.Information, "connection {ConnectionId} from {Remote}: plain-text HTTP sent to a TLS port; closed")]
    public static partial void PlaintextHttp(ILogger logger, long connectionId, System.Net.IPEndPoint? remote);

    [LoggerMessage(3011, LogLevel.Information, "connection {ConnectionId} from {Remote}: not TLS (first byte 0x{FirstByte:x2}); closed")]
    public static partial void NotTls(ILogger logger, long connectionId, System.Net.IPEndPoint? remote, byte firstByte);

    [LoggerMessage(3012, LogLevel.Information, "connection {ConnectionId} from {Remote}: TLS handshake failed: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, long connectionId, System.Net.IPEndPoint? remote, string reason);

    [LoggerMessage(3013, LogLevel.Information, "connection {ConnectionId} from {Remote}: TLS handshake not completed within {Seconds}s; closed")]
    public static partial void HandshakeTimedOut(ILogger logger, long connectionId, System.Net.IPEndPoint? remote, double seconds);
}
