using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Http2;

/// <summary>Every log line of the HTTP/2 server connection, source-generated (no interpolation, no boxing when off).</summary>
internal static partial class Http2Log
{
    [LoggerMessage(200, LogLevel.Information, "h2 conn {ConnectionId}: invalid connection preface from {Client} -> GOAWAY PROTOCOL_ERROR")]
    public static partial void BadPreface(ILogger logger, long connectionId, string? client);

    [LoggerMessage(201, LogLevel.Information, "h2 conn {ConnectionId}: connection error {Code} (frame on stream {StreamId}, last stream {LastStreamId}): {Reason} -> GOAWAY")]
    public static partial void ConnectionError(ILogger logger, long connectionId, Http2ErrorCode code, int streamId, int lastStreamId, string? reason);

    [LoggerMessage(202, LogLevel.Information, "h2 conn {ConnectionId}: stream {StreamId}: malformed request ({Reason}) -> RST_STREAM PROTOCOL_ERROR")]
    public static partial void MalformedRequest(ILogger logger, long connectionId, int streamId, string reason);

    [LoggerMessage(203, LogLevel.Debug, "h2 conn {ConnectionId}: stream {StreamId}: {Reason} -> RST_STREAM {Code}")]
    public static partial void StreamReset(ILogger logger, long connectionId, int streamId, Http2ErrorCode code, string reason);

    [LoggerMessage(204, LogLevel.Information, "h2 conn {ConnectionId}: stream {StreamId}: request head larger than SETTINGS_MAX_HEADER_LIST_SIZE {Limit} -> 431")]
    public static partial void HeadTooLarge(ILogger logger, long connectionId, int streamId, int limit);

    [LoggerMessage(205, LogLevel.Error, "h2 conn {ConnectionId}: stream {StreamId}: handler failed -> RST_STREAM INTERNAL_ERROR")]
    public static partial void HandlerFailed(ILogger logger, long connectionId, int streamId, Exception exception);

    [LoggerMessage(206, LogLevel.Warning, "h2 conn {ConnectionId}: stream {StreamId}: handler ended without finishing the response -> RST_STREAM INTERNAL_ERROR")]
    public static partial void HandlerLeftStreamOpen(ILogger logger, long connectionId, int streamId);

    [LoggerMessage(207, LogLevel.Information, "h2 conn {ConnectionId}: stream {StreamId}: send window stayed at zero for {Seconds}s -> RST_STREAM CANCEL")]
    public static partial void SendWindowStalled(ILogger logger, long connectionId, int streamId, double seconds);

    [LoggerMessage(208, LogLevel.Debug, "h2 conn {ConnectionId}: no open stream for {Seconds}s -> GOAWAY NO_ERROR")]
    public static partial void IdleTimeout(ILogger logger, long connectionId, double seconds);

    [LoggerMessage(209, LogLevel.Information, "h2 conn {ConnectionId}: {What} not complete within the header timeout -> close")]
    public static partial void HeaderTimeout(ILogger logger, long connectionId, string what);

    [LoggerMessage(210, LogLevel.Debug, "h2 conn {ConnectionId}: draining: GOAWAY NO_ERROR, last stream {LastStreamId}")]
    public static partial void Draining(ILogger logger, long connectionId, int lastStreamId);

    [LoggerMessage(211, LogLevel.Information, "h2 conn {ConnectionId}: drain timed out with {Streams} streams open -> close")]
    public static partial void DrainTimedOut(ILogger logger, long connectionId, int streams);

    [LoggerMessage(212, LogLevel.Debug, "h2 conn {ConnectionId}: client sent GOAWAY {Code}, last stream {LastStreamId}")]
    public static partial void PeerGoAway(ILogger logger, long connectionId, Http2ErrorCode code, int lastStreamId);

    [LoggerMessage(213, LogLevel.Debug, "h2 conn {ConnectionId}: connection lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, long connectionId, string reason);

    [LoggerMessage(215, LogLevel.Warning, "h2 conn {ConnectionId}: stream {StreamId}: request from {Client} over the rate limit of {PerSecond}/s (burst {Burst}; max_requests_per_connection_per_second) -> 429; {Refused} rate-limited so far (one line a second)")]
    public static partial void RateLimited(ILogger logger, long connectionId, int streamId, string? client, int perSecond, int burst, long refused);

    [LoggerMessage(214, LogLevel.Error, "h2 conn {ConnectionId}: unexpected failure, connection aborted")]
    public static partial void Unexpected(ILogger logger, long connectionId, Exception exception);
}
