using FastProxy.Core.Splicing;
using FastProxy.Http.Http1;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Proxy;

/// <summary>Every log line of the proxy's HTTP/1.1 connections and HTTP/2 streams, source-generated (no interpolation, no boxing when off).</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(1, LogLevel.Information, "conn {ConnectionId}: bad request from {Client}: {Reason} -> {Status}")]
    public static partial void BadRequest(ILogger logger, long connectionId, string? client, string reason, int status);

    [LoggerMessage(2, LogLevel.Information, "conn {ConnectionId}: request headers not complete within {Seconds}s -> 408")]
    public static partial void HeaderTimeout(ILogger logger, long connectionId, double seconds);

    [LoggerMessage(3, LogLevel.Debug, "conn {ConnectionId}: no route for the request -> {Status}")]
    public static partial void NoRoute(ILogger logger, long connectionId, int status);

    [LoggerMessage(4, LogLevel.Warning, "conn {ConnectionId}: route {RouteId}: upstream {Endpoint} connect failed ({Reason}) -> {Status}")]
    public static partial void UpstreamConnectFailed(ILogger logger, long connectionId, string routeId, string? endpoint, string reason, int status);

    [LoggerMessage(5, LogLevel.Warning, "conn {ConnectionId}: route {RouteId}: cluster {Cluster} has no healthy endpoint -> 503")]
    public static partial void NoHealthyEndpoint(ILogger logger, long connectionId, string routeId, string cluster);

    [LoggerMessage(6, LogLevel.Warning, "conn {ConnectionId}: route {RouteId}: upstream {Endpoint} sent an invalid response ({Reason}) -> 502")]
    public static partial void UpstreamBadResponse(ILogger logger, long connectionId, string routeId, string? endpoint, string reason);

    [LoggerMessage(7, LogLevel.Warning, "conn {ConnectionId}: route {RouteId}: upstream {Endpoint} did not answer within {Seconds}s -> 504")]
    public static partial void UpstreamTimeout(ILogger logger, long connectionId, string routeId, string? endpoint, double seconds);

    [LoggerMessage(8, LogLevel.Warning, "conn {ConnectionId}: route {RouteId}: upstream {Endpoint} closed the connection before a complete response -> {Status}")]
    public static partial void UpstreamClosed(ILogger logger, long connectionId, string routeId, string? endpoint, int status);

    [LoggerMessage(9, LogLevel.Debug, "conn {ConnectionId}: route {RouteId}: retrying an idempotent request on a fresh upstream connection")]
    public static partial void Retrying(ILogger logger, long connectionId, string routeId);

    [LoggerMessage(10, LogLevel.Information, "conn {ConnectionId}: route {RouteId}: response body aborted mid-way ({Side}): {Reason}")]
    public static partial void BodyAborted(ILogger logger, long connectionId, string routeId, string side, string reason);

    [LoggerMessage(11, LogLevel.Debug, "conn {ConnectionId}: route {RouteId}: upgrade splice ended: {Result}")]
    public static partial void SpliceEnded(ILogger logger, long connectionId, string routeId, SpliceResult result, Exception? error);

    [LoggerMessage(12, LogLevel.Error, "conn {ConnectionId}: unexpected failure; connection closed")]
    public static partial void Unexpected(ILogger logger, long connectionId, Exception error);

    [LoggerMessage(13, LogLevel.Information, "conn {ConnectionId}: route {RouteId}: request body over the {Limit}-byte limit -> 413")]
    public static partial void BodyTooLarge(ILogger logger, long connectionId, string routeId, long limit);

    [LoggerMessage(14, LogLevel.Warning, "conn {ConnectionId}: route {RouteId}: no upstream connection to {Endpoint}: {Reason} -> 503")]
    public static partial void PoolExhausted(ILogger logger, long connectionId, string routeId, string? endpoint, string reason);

    [LoggerMessage(15, LogLevel.Information, "conn {ConnectionId}: request body from {Client} is invalid: {Reason}")]
    public static partial void BadRequestBody(ILogger logger, long connectionId, string? client, string reason);

    [LoggerMessage(16, LogLevel.Warning, "conn {ConnectionId}: route {RouteId}: the audit trail cannot record; authenticated request refused -> 503 (on_audit_failure: deny)")]
    public static partial void AuditUnavailable(ILogger logger, long connectionId, string routeId);

    [LoggerMessage(17, LogLevel.Debug, "conn {ConnectionId}: connection lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, long connectionId, string reason);

    public static string Describe(Http1ParseError error) => Http1ParseError.Describe(error.Kind);

    [LoggerMessage(18, LogLevel.Information, "conn {ConnectionId}: route {RouteId}: the client reset before the response head; upstream connection closed")]
    public static partial void ClientGoneBeforeResponse(ILogger logger, long connectionId, string routeId);

    [LoggerMessage(40, LogLevel.Information, "conn {ConnectionId}: CONNECT from {Client} refused: the proxy opens no tunnels -> 501")]
    public static partial void ConnectRefused(ILogger logger, long connectionId, string? client);

    [LoggerMessage(42, LogLevel.Warning, "conn {ConnectionId}: request from {Client} over the rate limit of {PerSecond}/s (burst {Burst}; max_requests_per_connection_per_second) -> 429 and close; {Refused} rate-limited so far (one line a second)")]
    public static partial void RateLimited(ILogger logger, long connectionId, string? client, int perSecond, int burst, long refused);

    [LoggerMessage(50, LogLevel.Error, "conn {ConnectionId} stream {StreamId}: unexpected failure; stream reset")]
    public static partial void Http2StreamUnexpected(ILogger logger, long connectionId, int streamId, Exception error);

    [LoggerMessage(51, LogLevel.Warning, "conn {ConnectionId} stream {StreamId}: request from {Client} cannot be restated in HTTP/1.1 (field #{Field}, -1: the method, target or authority): CR, LF, NUL or edge whitespace -> 400")]
    public static partial void Http2UnsafeField(ILogger logger, long connectionId, int streamId, string? client, int field);

    [LoggerMessage(41, LogLevel.Information, "conn {ConnectionId}: Upgrade from {Client} ignored (only websocket, on routes whose upgrades list it); forwarded as a plain request")]
    public static partial void UpgradeIgnored(ILogger logger, long connectionId, string? client);

    [LoggerMessage(52, LogLevel.Information, "conn {ConnectionId} stream {StreamId}: gRPC call from {Client} has a malformed grpc-timeout -> grpc-status 13 (400)")]
    public static partial void GrpcTimeoutInvalid(ILogger logger, long connectionId, int streamId, string? client);

    [LoggerMessage(53, LogLevel.Warning, "conn {ConnectionId}: route {RouteId}: upstream {Endpoint} ended the HTTP/2 stream before its response head ({Reason}) -> {Status}")]
    public static partial void Http2UpstreamFailed(ILogger logger, long connectionId, string routeId, string? endpoint, string reason, int status);

    [LoggerMessage(54, LogLevel.Information, "conn {ConnectionId}: route {RouteId}: the gRPC call's deadline passed after the response head; ended with grpc-status 4")]
    public static partial void GrpcDeadlineAfterHead(ILogger logger, long connectionId, string routeId);
}
