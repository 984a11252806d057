using FastProxy.Core.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Upstream;

/// <summary>
/// Per-cluster limits over all its endpoints' pools together, as Envoy's cluster circuit breakers:
/// connections open (<see cref="UpstreamPoolOptions.MaxConnectionsPerCluster"/>) and requests waiting
/// for a connection (<see cref="UpstreamPoolOptions.MaxPendingRequestsPerCluster"/>). The pools ask it
/// before they open a connection or queue a waiter, and tell it when one closes or leaves the queue; a
/// request it refuses is answered 503 at once, counted per limit. Lock-free; touched only when a
/// connection opens or closes or a request has to wait, never on the reuse of an idle connection.
/// </summary>
internal sealed class UpstreamCircuitBreaker
{
    private readonly string _cluster;
    private readonly int _maxConnections;
    private readonly int _maxPending;
    private readonly ILogger _logger;
    private int _connections;
    private int _pending;
    private long _connectionRejections;
    private long _pendingRejections;

    public UpstreamCircuitBreaker(string cluster, UpstreamPoolOptions options, ILogger logger)
    {
        _cluster = cluster;
        _maxConnections = options.MaxConnectionsPerCluster ?? int.MaxValue;
        _maxPending = options.MaxPendingRequestsPerCluster ?? int.MaxValue;
        _logger = logger;
    }

    /// <summary>Connections open to the cluster's endpoints: idle, leased and being connected.</summary>
    public int OpenConnections => Volatile.Read(ref _connections);

    /// <summary>Requests waiting for a connection to any of the cluster's endpoints.</summary>
    public int PendingRequests => Volatile.Read(ref _pending);

    /// <summary>Requests refused at once because of <paramref name="limit"/> (a counter for metrics).</summary>
    public long Rejections(CircuitBreakerLimit limit) =>
        limit == CircuitBreakerLimit.MaxConnections ? Volatile.Read(ref _connectionRejections) : Volatile.Read(ref _pendingRejections);

    /// <summary>Takes a connection slot; false at <see cref="UpstreamPoolOptions.MaxConnectionsPerCluster"/>.</summary>
    public bool TryOpenConnection() => TryIncrement(ref _connections, _maxConnections);

    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    public void ConnectionsClosed(int count) => Interlocked.Add(ref _connections, -count);

    /// <summary>Takes a place in the cluster's wait queue; false at <see cref="UpstreamPoolOptions.MaxPendingRequestsPerCluster"/>.</summary>
    public bool TryAddPending() => TryIncrement(ref _pending, _maxPending);

    public void PendingRemoved() => Interlocked.Decrement(ref _pending);

    /// <summary>Counts and logs a refusal and throws; kept out of the pools' acquire path (a cold path).</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public void ThrowOpen(CircuitBreakerLimit limit)
    {
        int max;
        string name;
        if (limit == CircuitBreakerLimit.MaxConnections)
        {
            Interlocked.Increment(ref _connectionRejections);
            (max, name) = (_maxConnections, "max_connections");
        }
        else
        {
            Interlocked.Increment(ref _pendingRejections);
            (max, name) = (_maxPending, "max_pending_requests");
        }

        UpstreamLog.CircuitBreakerOpen(_logger, _cluster, name, max, OpenConnections, PendingRequests);
        throw new UpstreamCircuitBreakerOpenException($"Cluster '{_cluster}' is at its {name} limit of {max}.");
    }

    private static bool TryIncrement(ref int count, int max)
    {
        var current = Volatile.Read(ref count);
        while (current < max)
        {
            var seen = Interlocked.CompareExchange(ref count, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }
}
