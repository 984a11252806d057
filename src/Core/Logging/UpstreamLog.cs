using System.Net;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Logging;

/// <summary>Source-generated log messages for upstream clusters and pools (event ids 1100-1199).</summary>
internal static partial class UpstreamLog
{
    [LoggerMessage(1100, LogLevel.Warning, "Cluster {Cluster}: endpoint {EndPoint} ejected for {Duration} after {Failures} consecutive failures")]
    public static partial void EndpointEjected(ILogger logger, string cluster, EndPoint endPoint, TimeSpan duration, int failures);

    [LoggerMessage(1101, LogLevel.Information, "Cluster {Cluster}: endpoint {EndPoint} back in rotation")]
    public static partial void EndpointReturned(ILogger logger, string cluster, EndPoint endPoint);

    [LoggerMessage(1108, LogLevel.Information, "Cluster {Cluster}: ejected endpoint {EndPoint} gets a trial request")]
    public static partial void EndpointTrial(ILogger logger, string cluster, EndPoint endPoint);

    [LoggerMessage(1109, LogLevel.Warning, "Cluster {Cluster}: {Healthy} of {Total} endpoints healthy, below the panic threshold of {Threshold}%: requests go to every endpoint, ejected or not")]
    public static partial void PanicEntered(ILogger logger, string cluster, int healthy, int total, int threshold);

    [LoggerMessage(1110, LogLevel.Information, "Cluster {Cluster}: enough endpoints healthy again, panic mode over")]
    public static partial void PanicLeft(ILogger logger, string cluster);

    [LoggerMessage(1102, LogLevel.Debug, "Cluster {Cluster}: discarded pooled connection {ConnectionId} to {EndPoint} ({Reason})")]
    public static partial void PooledConnectionDiscarded(ILogger logger, string cluster, long connectionId, EndPoint endPoint, string reason);

    [LoggerMessage(1103, LogLevel.Warning, "Cluster {Cluster}: pool for {EndPoint} exhausted ({MaxConnections} connections busy)")]
    public static partial void PoolExhausted(ILogger logger, string cluster, EndPoint endPoint, int maxConnections);

    [LoggerMessage(1104, LogLevel.Debug, "Cluster {Cluster}: opened connection {ConnectionId} to {EndPoint}")]
    public static partial void ConnectionOpened(ILogger logger, string cluster, long connectionId, EndPoint endPoint);

    [LoggerMessage(1105, LogLevel.Warning, "Cluster {Cluster}: request refused: all {MaxConnections} connections to {EndPoint} busy and {Pending} requests already waiting")]
    public static partial void QueueFull(ILogger logger, string cluster, EndPoint endPoint, int maxConnections, int pending);

    [LoggerMessage(1106, LogLevel.Warning, "Cluster {Cluster}: connection {ConnectionId} to {EndPoint} had bytes nobody asked for when its exchange ended (e.g. the response to a smuggled request); closed, never reused")]
    public static partial void UnsolicitedBytes(ILogger logger, string cluster, long connectionId, EndPoint endPoint);

    [LoggerMessage(1107, LogLevel.Warning, "Cluster {Cluster}: circuit breaker open: request refused at {Limit} = {Max} ({Connections} connections open, {Pending} requests waiting)")]
    public static partial void CircuitBreakerOpen(ILogger logger, string cluster, string limit, int max, int connections, int pending);
}
