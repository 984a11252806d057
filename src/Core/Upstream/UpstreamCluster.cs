using System.Net;
using FastProxy.Core.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Upstream;

/// <summary>
/// A named set of upstream endpoints with a balancing policy. <see cref="TryPick"/> chooses an
/// endpoint (skipping ejected ones); the endpoint's pool then lends a connection, within the limits of
/// the cluster's circuit breaker (<see cref="UpstreamPoolOptions.MaxConnectionsPerCluster"/>,
/// <see cref="UpstreamPoolOptions.MaxPendingRequestsPerCluster"/>) shared by all its endpoints.
/// A timer closes idle pooled connections past <see cref="UpstreamPoolOptions.IdleTimeout"/>.
/// </summary>
public sealed class UpstreamCluster : IAsyncDisposable
{
    /// <summary>How often idle pools are swept; idle connections live at most IdleTimeout plus this.</summary>
    private static readonly TimeSpan MaxSweepInterval = TimeSpan.FromSeconds(1);

    private readonly UpstreamEndpoint[] _endpoints;
    private readonly BalancePolicy _policy;
    private readonly UpstreamCircuitBreaker _breaker;
    private readonly ITimer _sweepTimer;
    private readonly int _panicThresholdPercent;
    private readonly ILogger _logger;
    private int _next = -1;
    private int _inPanic;
    private long _panicPicks;
    private int _disposed;

    public UpstreamCluster(string name, IReadOnlyList<EndPoint> endpoints, BalancePolicy policy, UpstreamPoolOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        if (endpoints.Count == 0)
        {
            throw new ArgumentException($"Cluster '{name}' needs at least one endpoint.", nameof(endpoints));
        }

        if (options.MaxConnectionsPerEndpoint < 1)
        {
            throw new ArgumentException("MaxConnectionsPerEndpoint must be at least 1.", nameof(options));
        }

        if (options.MaxPendingRequestsPerEndpoint < 0)
        {
            throw new ArgumentException("MaxPendingRequestsPerEndpoint must not be negative.", nameof(options));
        }

        if (options.MaxConnectionsPerCluster < 1)
        {
            throw new ArgumentException("MaxConnectionsPerCluster must be at least 1.", nameof(options));
        }

        if (options.MaxPendingRequestsPerCluster < 0)
        {
            throw new ArgumentException("MaxPendingRequestsPerCluster must not be negative.", nameof(options));
        }

        Name = name;
        Protocol = options.Protocol;
        _panicThresholdPercent = Math.Clamp(options.PanicThresholdPercent, 0, 100);
        _logger = logger;
        _policy = policy;
        _breaker = new UpstreamCircuitBreaker(name, options, logger);
        _endpoints = new UpstreamEndpoint[endpoints.Count];
        for (var i = 0; i < _endpoints.Length; i++)
        {
            _endpoints[i] = new UpstreamEndpoint(name, endpoints[i], options, _breaker, time, logger);
        }

        var sweep = options.IdleTimeout > TimeSpan.Zero && options.IdleTimeout < MaxSweepInterval ? options.IdleTimeout : MaxSweepInterval;
        _sweepTimer = time.CreateTimer(static s => ((UpstreamCluster)s!).Sweep(), this, sweep, sweep);
    }

    public string Name { get; }

    public BalancePolicy Policy => _policy;

    /// <summary>What its connections speak: HTTP/1.1 leases (<see cref="UpstreamEndpoint.AcquireAsync"/>) or HTTP/2 streams (<see cref="UpstreamEndpoint.Multiplexed"/>).</summary>
    public UpstreamProtocol Protocol { get; }

    public IReadOnlyList<UpstreamEndpoint> Endpoints => _endpoints;

    /// <summary>Connections open to all endpoints together (what <see cref="UpstreamPoolOptions.MaxConnectionsPerCluster"/> bounds).</summary>
    public int OpenConnections => _breaker.OpenConnections;

    /// <summary>Requests waiting for a connection to any endpoint (what <see cref="UpstreamPoolOptions.MaxPendingRequestsPerCluster"/> bounds).</summary>
    public int PendingRequests => _breaker.PendingRequests;

    /// <summary>Requests refused at once by the cluster's circuit breaker at <paramref name="limit"/> (a counter for metrics).</summary>
    public long CircuitBreakerRejections(CircuitBreakerLimit limit) => _breaker.Rejections(limit);

    /// <summary>
    /// Picks an endpoint: in turn (<see cref="BalancePolicy.RoundRobin"/>) or the one with the fewest leases out
    /// (<see cref="BalancePolicy.LeastRequests"/>, ties in turn), skipping ejected ones, except that an ejected endpoint
    /// whose trial is due takes this request (<see cref="UpstreamPoolOptions.TrialBackoff"/>), and that below the panic
    /// threshold (<see cref="UpstreamPoolOptions.PanicThresholdPercent"/>) every endpoint is a candidate. False only when
    /// every endpoint is ejected and panic is off (answer 503). Allocates nothing.
    /// </summary>
    public bool TryPick(out UpstreamEndpoint endpoint)
    {
        var endpoints = _endpoints;
        var count = (uint)endpoints.Length;

        // uint arithmetic: the counter wraps after 2^32 picks without going negative.
        var start = (uint)Interlocked.Increment(ref _next) % count;
        UpstreamEndpoint? best = null;
        var healthy = 0;
        for (uint i = 0; i < count; i++)
        {
            var candidate = endpoints[(start + i) % count];
            if (candidate.IsEjected)
            {
                if (candidate.TryClaimTrial())
                {
                    endpoint = candidate;
                    return true;
                }

                continue;
            }

            healthy++;
            if (best is null || (_policy == BalancePolicy.LeastRequests && candidate.Outstanding < best.Outstanding))
            {
                best = candidate;
            }
        }

        if (healthy * 100 < (int)count * _panicThresholdPercent)
        {
            endpoint = PickInPanic(endpoints, start, healthy);
            return true;
        }

        LeavePanic();
        endpoint = best!;
        return best is not null;
    }

    /// <summary>Requests sent while in panic mode (a counter for metrics).</summary>
    public long PanicPicks => Volatile.Read(ref _panicPicks);

    /// <summary>True while too few endpoints are healthy and requests go to every endpoint.</summary>
    public bool InPanic => Volatile.Read(ref _inPanic) != 0;

    private UpstreamEndpoint PickInPanic(UpstreamEndpoint[] endpoints, uint start, int healthy)
    {
        Interlocked.Increment(ref _panicPicks);
        if (Interlocked.Exchange(ref _inPanic, 1) == 0)
        {
            UpstreamLog.PanicEntered(_logger, Name, healthy, endpoints.Length, _panicThresholdPercent);
        }

        var best = endpoints[start];
        if (_policy == BalancePolicy.LeastRequests)
        {
            foreach (var candidate in endpoints)
            {
                if (candidate.Outstanding < best.Outstanding)
                {
                    best = candidate;
                }
            }
        }

        return best;
    }

    private void LeavePanic()
    {
        if (Volatile.Read(ref _inPanic) != 0 && Interlocked.Exchange(ref _inPanic, 0) != 0)
        {
            UpstreamLog.PanicLeft(_logger, Name);
        }
    }

    /// <summary>Stops the sweep timer and closes idle connections; leased ones close when released. Pending acquirers fail.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _sweepTimer.DisposeAsync();
        foreach (var endpoint in _endpoints)
        {
            await endpoint.DisposeAsync();
        }
    }

    internal void Sweep()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        foreach (var endpoint in _endpoints)
        {
            endpoint.Sweep();
        }
    }
}
