using FastProxy.Core.Transport;

namespace FastProxy.Core.Upstream;

/// <summary>Per-endpoint pool limits, per-cluster circuit breaker limits, timeouts and passive health settings of an <see cref="UpstreamCluster"/>.</summary>
public sealed class UpstreamPoolOptions
{
    /// <summary>Waiters per connection when <see cref="MaxPendingRequestsPerEndpoint"/> is unset.</summary>
    public const int DefaultPendingPerConnection = 4;

    /// <summary>Open connections (idle + leased + connecting) per endpoint; beyond it acquirers wait.</summary>
    public int MaxConnectionsPerEndpoint { get; init; } = 512;

    /// <summary>
    /// Requests allowed to wait per endpoint while all <see cref="MaxConnectionsPerEndpoint"/> connections
    /// are busy; one more fails at once with <see cref="UpstreamQueueFullException"/> (503) instead of
    /// queueing without bound. 0: none waits. Unset: <see cref="DefaultPendingPerConnection"/> times
    /// <see cref="MaxConnectionsPerEndpoint"/> (each waits at most <see cref="ConnectTimeout"/>, so a
    /// queue of a few rounds of every connection is as much as can still be served in time).
    /// </summary>
    public int? MaxPendingRequestsPerEndpoint { get; init; }

    /// <summary>The queue bound in effect: <see cref="MaxPendingRequestsPerEndpoint"/>, or its default.</summary>
    public int EffectiveMaxPendingRequests =>
        MaxPendingRequestsPerEndpoint ?? (int)Math.Min(int.MaxValue, (long)DefaultPendingPerConnection * Math.Max(1, MaxConnectionsPerEndpoint));

    /// <summary>
    /// Connections open to all endpoints of the cluster together (a circuit breaker). At the limit a request that
    /// needs a new connection waits, as at <see cref="MaxConnectionsPerEndpoint"/>, for one of its endpoint's
    /// connections to be released; when that endpoint has none open it is refused at once with
    /// <see cref="UpstreamCircuitBreakerOpenException"/> (503). Unset: no cluster-wide limit.
    /// </summary>
    public int? MaxConnectionsPerCluster { get; init; }

    /// <summary>
    /// Requests waiting for a connection to any endpoint of the cluster together (a circuit breaker); one more is
    /// refused at once with <see cref="UpstreamCircuitBreakerOpenException"/> (503). 0: none waits. Unset: only
    /// the per-endpoint bound applies.
    /// </summary>
    public int? MaxPendingRequestsPerCluster { get; init; }

    /// <summary>Idle connections kept per endpoint; a release beyond it closes the connection.</summary>
    public int MaxIdlePerEndpoint { get; init; } = 128;

    /// <summary>Bounds a connect, and a wait for a free connection at the per-endpoint cap.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle pooled connections older than this are closed (below typical upstream keep-alive of 60-75 s would be safer; configure per cluster).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Consecutive failures that eject an endpoint; 0 disables ejection.</summary>
    public int EjectAfterConsecutiveFailures { get; init; } = 5;

    public TimeSpan EjectionDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an ejected endpoint waits before one trial request may go to it (doubling after each failed trial, up
    /// to <see cref="EjectionDuration"/>); a trial that succeeds ends the ejection. Zero: no trials, the ejection runs
    /// its whole duration.
    /// </summary>
    public TimeSpan TrialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The panic threshold (Envoy's name): when fewer than this percentage of a cluster's endpoints are healthy, ejection
    /// is ignored and requests go to every endpoint, so a cluster is never left with nothing to try (the only endpoint
    /// of a cluster is never taken out, as nginx does). 0: never (all ejected means 503); 100: ejection never skips.
    /// </summary>
    public int PanicThresholdPercent { get; init; } = 50;

    public SocketConnectionOptions ConnectionOptions { get; init; } = new();

    /// <summary>Opens the connections; by default plain TCP with <see cref="ConnectionOptions"/> (a TLS connector decorates that one).</summary>
    public IUpstreamConnector Connector
    {
        get => _connector ??= new TcpUpstreamConnector(ConnectionOptions);
        init => _connector = value;
    }

    /// <summary>What the connections speak; <see cref="UpstreamProtocol.Http2"/> needs <see cref="MultiplexedPoolFactory"/>.</summary>
    public UpstreamProtocol Protocol { get; init; } = UpstreamProtocol.Http1;

    /// <summary>
    /// Builds each endpoint's multiplexed pool when <see cref="Protocol"/> is <see cref="UpstreamProtocol.Http2"/> (the
    /// HTTP/2 layer supplies it: Core knows no frames).
    /// </summary>
    public Func<MultiplexedPoolContext, IMultiplexedUpstreamPool>? MultiplexedPoolFactory { get; init; }

    private IUpstreamConnector? _connector;
}
