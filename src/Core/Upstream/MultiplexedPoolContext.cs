using System.Net;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Upstream;

/// <summary>
/// What a multiplexed pool is given by its endpoint: where to connect and how, its limits, and the endpoint's and
/// cluster's shared counters (requests in flight for the balancer, connections and waiters for the circuit breaker).
/// </summary>
public sealed class MultiplexedPoolContext
{
    private readonly EndpointHealth _health;
    private readonly UpstreamCircuitBreaker _breaker;

    internal MultiplexedPoolContext(string cluster, UpstreamEndpoint endpoint, EndpointHealth health, UpstreamCircuitBreaker breaker, UpstreamPoolOptions options, TimeProvider time, ILogger logger)
    {
        ClusterName = cluster;
        Endpoint = endpoint;
        _health = health;
        _breaker = breaker;
        Options = options;
        Time = time;
        Logger = logger;
    }

    public string ClusterName { get; }

    public UpstreamEndpoint Endpoint { get; }

    public EndPoint Address => Endpoint.Address;

    /// <summary>Limits and timeouts; <see cref="UpstreamPoolOptions.Connector"/> opens the connections (TLS with ALPN h2 for `h2`).</summary>
    public UpstreamPoolOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>A stream was opened for a request (what least_requests balancing compares); pair with <see cref="RequestEnded"/>.</summary>
    public void RequestStarted() => _health.LeaseStarted();

    public void RequestEnded() => _health.LeaseEnded();

    /// <summary>Room for one more connection under the cluster's circuit breaker; pair a true with <see cref="ConnectionClosed"/>.</summary>
    public bool TryOpenConnection() => _breaker.TryOpenConnection();

    public void ConnectionClosed() => _breaker.ConnectionClosed();

    /// <summary>Room for one more waiter under the cluster's circuit breaker; pair a true with <see cref="PendingRemoved"/>.</summary>
    public bool TryAddPending() => _breaker.TryAddPending();

    public void PendingRemoved() => _breaker.PendingRemoved();

    /// <summary>Throws the breaker's <see cref="UpstreamCircuitBreakerOpenException"/> for <paramref name="limit"/> (and counts the rejection).</summary>
    public void ThrowBreakerOpen(CircuitBreakerLimit limit) => _breaker.ThrowOpen(limit);
}
