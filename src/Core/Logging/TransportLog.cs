using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Transport;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Logging;

/// <summary>Source-generated log messages for listeners, connections and the heartbeat (event ids 1000-1099).</summary>
internal static partial class TransportLog
{
    [LoggerMessage(1000, LogLevel.Information, "Listening on {EndPoint}")]
    public static partial void ListenerStarted(ILogger logger, EndPoint endPoint);

    [LoggerMessage(1001, LogLevel.Debug, "Connection {ConnectionId} accepted from {RemoteEndPoint}")]
    public static partial void ConnectionAccepted(ILogger logger, long connectionId, EndPoint? remoteEndPoint);

    [LoggerMessage(1002, LogLevel.Debug, "Connection {ConnectionId} closed")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId);

    [LoggerMessage(1003, LogLevel.Debug, "Connection {ConnectionId} received FIN")]
    public static partial void ConnectionFin(ILogger logger, long connectionId);

    [LoggerMessage(1004, LogLevel.Debug, "Connection {ConnectionId} reset by peer ({SocketError})")]
    public static partial void ConnectionReset(ILogger logger, long connectionId, SocketError socketError);

    [LoggerMessage(1005, LogLevel.Warning, "Connection {ConnectionId} {Operation} failed")]
    public static partial void ConnectionError(ILogger logger, long connectionId, string operation, Exception exception);

    [LoggerMessage(1006, LogLevel.Debug, "Connection {ConnectionId} aborted")]
    public static partial void ConnectionAborted(ILogger logger, long connectionId);

    [LoggerMessage(1007, LogLevel.Debug, "Connection {ConnectionId} timed out ({Reason})")]
    public static partial void ConnectionTimedOut(ILogger logger, long connectionId, TimeoutReason reason);

    [LoggerMessage(1008, LogLevel.Debug, "Connection {ConnectionId} did not flush its output within the close timeout; aborting")]
    public static partial void CloseTimedOut(ILogger logger, long connectionId);

    [LoggerMessage(1009, LogLevel.Error, "Connection {ConnectionId} handler failed; closing the connection")]
    public static partial void HandlerFailed(ILogger logger, long connectionId, Exception exception);

    [LoggerMessage(1010, LogLevel.Warning, "Connection limit {MaxConnections} reached; new connections wait in the backlog")]
    public static partial void ConnectionLimitReached(ILogger logger, int maxConnections);

    [LoggerMessage(1020, LogLevel.Warning, "Connection from {Address} refused: it already has {MaxPerAddress} connections open (max_connections_per_address; {Refused} refused so far)")]
    public static partial void PerAddressLimitReached(ILogger logger, System.Net.IPAddress address, int maxPerAddress, long refused);

    [LoggerMessage(1021, LogLevel.Warning, "Connection {ConnectionId} from {Peer} closed: the listener takes PROXY protocol headers only from its trusted networks")]
    public static partial void ProxyProtocolUntrusted(ILogger logger, long connectionId, System.Net.IPAddress? peer);

    [LoggerMessage(1022, LogLevel.Warning, "Connection {ConnectionId} from {Peer} closed: invalid PROXY protocol header ({Reason})")]
    public static partial void ProxyProtocolInvalid(ILogger logger, long connectionId, System.Net.IPAddress? peer, string reason);

    [LoggerMessage(1023, LogLevel.Warning, "Connection {ConnectionId} from {Peer} closed: no complete PROXY protocol header within {Seconds} s")]
    public static partial void ProxyProtocolTimedOut(ILogger logger, long connectionId, System.Net.IPAddress? peer, double seconds);

    [LoggerMessage(1011, LogLevel.Information, "Below the connection limit again; accepting ({ActiveConnections} active)")]
    public static partial void ConnectionLimitResumed(ILogger logger, int activeConnections);

    [LoggerMessage(1012, LogLevel.Error, "Accept on {EndPoint} failed")]
    public static partial void AcceptFailed(ILogger logger, EndPoint endPoint, Exception exception);

    [LoggerMessage(1013, LogLevel.Information, "Shutting down: stopped accepting, draining {ActiveConnections} connections for up to {DrainTimeout}")]
    public static partial void ShutdownStarted(ILogger logger, int activeConnections, TimeSpan drainTimeout);

    [LoggerMessage(1014, LogLevel.Warning, "Drain timeout passed; aborting {ActiveConnections} connections")]
    public static partial void DrainTimedOut(ILogger logger, int activeConnections);

    [LoggerMessage(1015, LogLevel.Debug, "Connecting to {EndPoint} failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, EndPoint endPoint, string reason);

    [LoggerMessage(1016, LogLevel.Error, "A heartbeat handler failed")]
    public static partial void HeartbeatHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(1017, LogLevel.Critical, "The epoll loop failed; its connections no longer receive")]
    public static partial void EpollFailed(ILogger logger, Exception exception);

    [LoggerMessage(1018, LogLevel.Error, "An epoll event handler failed")]
    public static partial void EpollHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(1019, LogLevel.Debug, "Idle: dropped {Blocks} surplus buffer blocks and compacted the heap ({HeapBytes} bytes in use)")]
    public static partial void MemoryReclaimed(ILogger logger, int blocks, long heapBytes);
}
