namespace FastProxy.Core.Upstream;

/// <summary>
/// How one endpoint lends streams on shared connections (HTTP/2): the protocol-neutral part Core sees, for metrics,
/// the idle sweep and disposal. The protocol layer builds it (<see cref="UpstreamPoolOptions.MultiplexedPoolFactory"/>)
/// and adds the calls that open a stream; a request reaches it through <see cref="UpstreamEndpoint.Multiplexed"/>.
/// It counts its streams as requests in flight (<see cref="MultiplexedPoolContext.RequestStarted"/>) and its
/// connections and waiters against the cluster's circuit breaker, and never reports health itself.
/// </summary>
public interface IMultiplexedUpstreamPool : IAsyncDisposable
{
    /// <summary>Open connections: connected, connecting and draining (after GOAWAY).</summary>
    int OpenConnections { get; }

    /// <summary>Streams open now over all its connections.</summary>
    int ActiveStreams { get; }

    /// <summary>Requests waiting for a stream because every connection is full and no more may be opened.</summary>
    int PendingRequests { get; }

    /// <summary>Closes connections idle past the pool's idle timeout and pings idle ones (the cluster's timer calls this every second).</summary>
    void Sweep();
}
