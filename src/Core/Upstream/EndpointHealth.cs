using System.Net;
using FastProxy.Core.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Upstream;

/// <summary>
/// What the balancer knows about one upstream address, whatever protocol its connections speak:
/// passive health (consecutive failures eject it for a while) and the requests in flight on it
/// (what <see cref="BalancePolicy.LeastRequests"/> compares). Lock-free: read per pick, written per exchange.
/// </summary>
internal sealed class EndpointHealth
{
    private readonly string _cluster;
    private readonly EndPoint _address;
    private readonly int _ejectAfter;
    private readonly TimeSpan _ejectionDuration;
    private readonly long _ejectionTicks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _ejections;
    private int _outstanding;
    private int _consecutiveFailures;
    private long _ejectedUntil;

    public EndpointHealth(string cluster, EndPoint address, UpstreamPoolOptions options, TimeProvider time, ILogger logger)
    {
        _cluster = cluster;
        _address = address;
        _ejectAfter = options.EjectAfterConsecutiveFailures;
        _ejectionDuration = options.EjectionDuration;
        _ejectionTicks = ToTimestampTicks(options.EjectionDuration, time);
        _time = time;
        _logger = logger;
    }

    /// <summary>Requests in flight: leases out now.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    public long Ejections => Volatile.Read(ref _ejections);

    public bool IsEjected
    {
        get
        {
            var until = Volatile.Read(ref _ejectedUntil);
            if (until == 0)
            {
                return false;
            }

            if (_time.GetTimestamp() < until)
            {
                return true;
            }

            if (Interlocked.CompareExchange(ref _ejectedUntil, 0, until) == until)
            {
                UpstreamLog.EndpointReturned(_logger, _cluster, _address);
            }

            return false;
        }
    }

    /// <summary>A lease began (a request is now in flight on this endpoint).</summary>
    public void LeaseStarted() => Interlocked.Increment(ref _outstanding);

    /// <summary>A lease ended.</summary>
    public void LeaseEnded() => Interlocked.Decrement(ref _outstanding);

    public void ReportSuccess()
    {
        if (Volatile.Read(ref _consecutiveFailures) != 0)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0);
        }
    }

    public void ReportFailure()
    {
        var threshold = _ejectAfter;
        if (threshold <= 0)
        {
            return;
        }

        // Only the caller that resets the count from >= threshold ejects (and logs) once.
        if (Interlocked.Increment(ref _consecutiveFailures) >= threshold
            && Interlocked.Exchange(ref _consecutiveFailures, 0) >= threshold)
        {
            Volatile.Write(ref _ejectedUntil, _time.GetTimestamp() + _ejectionTicks);
            Interlocked.Increment(ref _ejections);
            UpstreamLog.EndpointEjected(_logger, _cluster, _address, _ejectionDuration, threshold);
        }
    }

    internal static long ToTimestampTicks(TimeSpan span, TimeProvider time) =>
        span <= TimeSpan.Zero ? 0 : (long)(span.TotalSeconds * time.TimestampFrequency);
}
