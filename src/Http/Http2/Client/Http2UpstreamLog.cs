using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Http2.Client;

/// <summary>Every log line of the HTTP/2 upstream (client) side, source-generated; names cluster and endpoint, never field values.</summary>
internal static partial class Http2UpstreamLog
{
    [LoggerMessage(240, LogLevel.Warning, "h2 upstream {Cluster} {Endpoint}: handshake failed: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, string cluster, string endpoint, string reason);

    [LoggerMessage(241, LogLevel.Warning, "h2 upstream {Cluster} {Endpoint}: connection error {Code} (frame on stream {StreamId}): {Reason} -> GOAWAY")]
    public static partial void ConnectionError(ILogger logger, string cluster, string endpoint, Http2ErrorCode code, int streamId, string reason);

    [LoggerMessage(242, LogLevel.Information, "h2 upstream {Cluster} {Endpoint}: stream {StreamId}: invalid response ({Reason}) -> RST_STREAM PROTOCOL_ERROR")]
    public static partial void InvalidResponse(ILogger logger, string cluster, string endpoint, int streamId, string reason);

    [LoggerMessage(243, LogLevel.Debug, "h2 upstream {Cluster} {Endpoint}: stream {StreamId}: {Reason} -> RST_STREAM {Code}")]
    public static partial void StreamReset(ILogger logger, string cluster, string endpoint, int streamId, Http2ErrorCode code, string reason);

    [LoggerMessage(244, LogLevel.Information, "h2 upstream {Cluster} {Endpoint}: GOAWAY {Code} received, last stream {LastStreamId}: draining")]
    public static partial void GoAwayReceived(ILogger logger, string cluster, string endpoint, Http2ErrorCode code, int lastStreamId);

    [LoggerMessage(245, LogLevel.Information, "h2 upstream {Cluster} {Endpoint}: connection lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string cluster, string endpoint, string reason);

    [LoggerMessage(246, LogLevel.Information, "h2 upstream {Cluster} {Endpoint}: PING not acknowledged within {Seconds}s -> close")]
    public static partial void PingTimeout(ILogger logger, string cluster, string endpoint, double seconds);

    [LoggerMessage(247, LogLevel.Error, "h2 upstream {Cluster} {Endpoint}: unexpected failure in the read loop")]
    public static partial void Unexpected(ILogger logger, string cluster, string endpoint, Exception exception);

    [LoggerMessage(248, LogLevel.Warning, "h2 upstream {Cluster} {Endpoint}: no connection free within {Timeout}")]
    public static partial void PoolExhausted(ILogger logger, string cluster, string endpoint, TimeSpan timeout);

    [LoggerMessage(249, LogLevel.Warning, "h2 upstream {Cluster} {Endpoint}: {Pending} requests already wait for a stream -> 503")]
    public static partial void QueueFull(ILogger logger, string cluster, string endpoint, int pending);
}
