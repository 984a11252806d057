using System.Net;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Upstream;

/// <summary>
/// One upstream address of a cluster: its health and in-flight requests (<see cref="EndpointHealth"/>,
/// what the balancer reads), and the pool that lends its connections (<see cref="UpstreamConnectionPool"/>:
/// HTTP/1.1 keep-alive reuse now, a multiplexed pool later). A request picks an endpoint, acquires a lease,
/// reports the outcome of its exchange, and releases the lease exactly once.
/// </summary>
public sealed class UpstreamEndpoint
{
    private readonly EndpointHealth _health;
    private readonly UpstreamConnectionPool _pool;

    internal UpstreamEndpoint(string cluster, EndPoint address, UpstreamPoolOptions options, UpstreamCircuitBreaker breaker, TimeProvider time, ILogger logger)
    {
        Address = address;
        Name = address.ToString() ?? "?";
        _health = new EndpointHealth(cluster, address, options, time, logger);
        _pool = CreatePool(cluster, options, breaker, time, logger);
        if (options.Protocol == UpstreamProtocol.Http2)
        {
            var factory = options.MultiplexedPoolFactory
                ?? throw new ArgumentException("An HTTP/2 cluster needs a MultiplexedPoolFactory.", nameof(options));
            Multiplexed = factory(new MultiplexedPoolContext(cluster, this, _health, breaker, options, time, logger));
        }
    }

    public EndPoint Address { get; }

    /// <summary>The stream pool of an HTTP/2 endpoint (<see cref="UpstreamProtocol.Http2"/>); null for HTTP/1.1, whose requests lease connections.</summary>
    public IMultiplexedUpstreamPool? Multiplexed { get; }

    /// <summary>The address as text, built once (audit records and logs name it per request).</summary>
    public string Name { get; }

    /// <summary>Leases out now.</summary>
    public int Outstanding => _health.Outstanding;

    /// <summary>Idle connections in the pool.</summary>
    public int IdleCount => _pool.IdleCount;

    /// <summary>Open connections: idle, leased and being connected (HTTP/2: connected, connecting and draining).</summary>
    public int OpenConnections => _pool.OpenConnections + (Multiplexed?.OpenConnections ?? 0);

    /// <summary>Requests waiting now for a connection at the per-endpoint cap (HTTP/2: for a stream).</summary>
    public int PendingRequests => _pool.PendingRequests + (Multiplexed?.PendingRequests ?? 0);

    /// <summary>Acquires refused at once because the wait queue was full (a counter for metrics).</summary>
    public long QueueRejections => _pool.QueueRejections;

    /// <summary>Connections closed because the upstream sent bytes nobody asked for (a counter for metrics: each is a desync or smuggling sign).</summary>
    public long UnsolicitedBytesClosures => _pool.UnsolicitedBytesClosures;

    /// <summary>Consecutive failures reported since the last success or ejection.</summary>
    public int ConsecutiveFailures => _health.ConsecutiveFailures;

    /// <summary>True while ejected after <see cref="UpstreamPoolOptions.EjectAfterConsecutiveFailures"/> failures; clears itself after <see cref="UpstreamPoolOptions.EjectionDuration"/>.</summary>
    public bool IsEjected => _health.IsEjected;

    /// <summary>How many times this endpoint was ejected since it was created (a counter for metrics).</summary>
    public long Ejections => _health.Ejections;

    /// <summary>Trial requests it got while ejected (a counter for metrics).</summary>
    public long TrialRequests => _health.TrialRequests;

    /// <inheritdoc cref="EndpointHealth.TryClaimTrial"/>
    internal bool TryClaimTrial() => _health.TryClaimTrial();

    /// <summary>
    /// A pooled connection that is still open (one the upstream closed, or that has stray bytes, is
    /// discarded), else a new one (connect bounded by <see cref="UpstreamPoolOptions.ConnectTimeout"/>).
    /// At <see cref="UpstreamPoolOptions.MaxConnectionsPerEndpoint"/> it waits, also bounded by the
    /// connect timeout, for a release, then throws <see cref="UpstreamPoolExhaustedException"/>; when
    /// <see cref="UpstreamPoolOptions.MaxPendingRequestsPerEndpoint"/> already wait it throws
    /// <see cref="UpstreamQueueFullException"/> at once, and when a limit of the cluster's circuit breaker
    /// refuses it, <see cref="UpstreamCircuitBreakerOpenException"/> (all three are <see cref="UpstreamOverloadedException"/>: 503).
    /// Throws <see cref="UpstreamConnectException"/> when connecting fails. Does not report health:
    /// call <see cref="ReportFailure"/> / <see cref="ReportSuccess"/> for the outcome of the exchange.
    /// </summary>
    public ValueTask<UpstreamLease> AcquireAsync(CancellationToken ct) => _pool.AcquireAsync(ct);

    /// <summary>
    /// Returns a lease. <paramref name="reusable"/>: the exchange ended cleanly and the connection may
    /// carry another request (it goes to a waiter or onto the idle stack) unless something is readable
    /// on it; otherwise it is closed, and a waiter gets its slot to connect anew.
    /// </summary>
    public void Release(UpstreamLease lease, bool reusable) => _pool.Release(lease, reusable);

    /// <summary>The exchange succeeded: the consecutive-failure count starts over.</summary>
    public void ReportSuccess() => _health.ReportSuccess();

    /// <summary>Connect failure, reset, timeout or bad response: after enough in a row the endpoint is ejected for a while.</summary>
    public void ReportFailure() => _health.ReportFailure();

    public override string ToString() => Name;

    /// <inheritdoc cref="Http1ConnectionPool.Sweep"/>
    internal void Sweep()
    {
        _pool.Sweep();
        Multiplexed?.Sweep();
    }

    internal async ValueTask DisposeAsync()
    {
        await _pool.DisposeAsync();
        if (Multiplexed is { } multiplexed)
        {
            await multiplexed.DisposeAsync();
        }
    }

    // The HTTP/1.1 pool is always there (it opens nothing until asked); an HTTP/2 endpoint's requests go to
    // Multiplexed instead. The price of the protocol-neutral shape is one virtual call per acquire and per
    // release, not per byte.
#pragma warning disable CA1859
    private UpstreamConnectionPool CreatePool(string cluster, UpstreamPoolOptions options, UpstreamCircuitBreaker breaker, TimeProvider time, ILogger logger) =>
        new Http1ConnectionPool(cluster, this, _health, breaker, options, time, logger);
#pragma warning restore CA1859
}
