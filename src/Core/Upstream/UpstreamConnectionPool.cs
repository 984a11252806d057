namespace FastProxy.Core.Upstream;

/// <summary>
/// How one endpoint lends connections: the shape an <see cref="UpstreamEndpoint"/> sees, whatever the
/// protocol. <see cref="Http1ConnectionPool"/> lends a connection per request (keep-alive reuse); a
/// multiplexed (HTTP/2) pool would lend streams on a shared connection behind the same calls. A pool
/// counts its leases in the endpoint's <see cref="EndpointHealth"/> and its connections and waiters in
/// the cluster's <see cref="UpstreamCircuitBreaker"/>; it never reports health itself.
/// </summary>
internal abstract class UpstreamConnectionPool
{
    /// <summary>Idle connections in the pool.</summary>
    public abstract int IdleCount { get; }

    /// <summary>Open connections: idle, leased and being connected.</summary>
    public abstract int OpenConnections { get; }

    /// <summary>Requests waiting now for a connection.</summary>
    public abstract int PendingRequests { get; }

    /// <summary>Acquires refused at once because the endpoint's wait queue was full.</summary>
    public abstract long QueueRejections { get; }

    /// <summary>Connections closed because the upstream sent bytes nobody asked for (HTTP/1.1; 0 for other pools).</summary>
    public virtual long UnsolicitedBytesClosures => 0;

    /// <inheritdoc cref="UpstreamEndpoint.AcquireAsync"/>
    public abstract ValueTask<UpstreamLease> AcquireAsync(CancellationToken ct);

    /// <inheritdoc cref="UpstreamEndpoint.Release"/>
    public abstract void Release(UpstreamLease lease, bool reusable);

    /// <summary>Closes idle connections that are stale or unused (the cluster's timer calls this every second).</summary>
    public abstract void Sweep();

    /// <summary>Closes idle connections and fails waiters; leased connections close when released.</summary>
    public abstract ValueTask DisposeAsync();
}
