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
    private readonly long _firstTrialTicks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _ejections;
    private int _outstanding;
    private int _consecutiveFailures;
    private long _ejectedUntil;

    // While ejected: when the next trial request may go (0: none yet planned) and how long the wait after it doubles to.
    private long _nextTrialAt;
    private long _trialBackoffTicks;
    private long _trials;

    public EndpointHealth(string cluster, EndPoint address, UpstreamPoolOptions options, TimeProvider time, ILogger logger)
    {
        _cluster = cluster;
        _address = address;
        _ejectAfter = options.EjectAfterConsecutiveFailures;
        _ejectionDuration = options.EjectionDuration;
        _ejectionTicks = ToTimestampTicks(options.EjectionDuration, time);
        _firstTrialTicks = ToTimestampTicks(options.TrialBackoff, time);
        _time = time;
        _logger = logger;
    }

    /// <summary>Requests in flight: leases out now.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    public long Ejections => Volatile.Read(ref _ejections);

    /// <summary>Trial requests sent to this endpoint while it was ejected (a counter for metrics).</summary>
    public long TrialRequests => Volatile.Read(ref _trials);

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
                Volatile.Write(ref _nextTrialAt, 0);
                UpstreamLog.EndpointReturned(_logger, _cluster, _address);
            }

            return false;
        }
    }

    /// <summary>A lease began (a request is now in flight on this endpoint).</summary>
    public void LeaseStarted() => Interlocked.Increment(ref _outstanding);

    /// <summary>A lease ended.</summary>
    public void LeaseEnded() => Interlocked.Decrement(ref _outstanding);

    /// <summary>
    /// Whether an ejected endpoint may take one trial request now (a half-open circuit): at most one per backoff, the
    /// backoff starting at <see cref="UpstreamPoolOptions.TrialBackoff"/> and doubling after each failed trial up to
    /// the ejection duration. A trial that succeeds ends the ejection at once (<see cref="ReportSuccess"/>), so a
    /// service that is back earns its way back in a second, not after the whole ejection.
    /// </summary>
    public bool TryClaimTrial()
    {
        if (_firstTrialTicks <= 0)
        {
            return false;
        }

        var at = Volatile.Read(ref _nextTrialAt);
        var now = _time.GetTimestamp();
        if (at == 0 || now < at)
        {
            return false;
        }

        // One claimant per window; should this trial fail, the next one waits twice as long (capped).
        var backoff = Math.Min(Volatile.Read(ref _trialBackoffTicks) * 2, Math.Max(_ejectionTicks, _firstTrialTicks));
        if (Interlocked.CompareExchange(ref _nextTrialAt, now + backoff, at) != at)
        {
            return false;
        }

        Volatile.Write(ref _trialBackoffTicks, backoff);
        Interlocked.Increment(ref _trials);
        UpstreamLog.EndpointTrial(_logger, _cluster, _address);
        return true;
    }

    public void ReportSuccess()
    {
        if (Volatile.Read(ref _consecutiveFailures) != 0)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0);
        }

        // A success while ejected (a trial request, or one sent in panic mode) proves the endpoint works again.
        var until = Volatile.Read(ref _ejectedUntil);
        if (until != 0 && Interlocked.CompareExchange(ref _ejectedUntil, 0, until) == until)
        {
            Volatile.Write(ref _nextTrialAt, 0);
            UpstreamLog.EndpointReturned(_logger, _cluster, _address);
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
            var now = _time.GetTimestamp();
            var until = Volatile.Read(ref _ejectedUntil);
            Volatile.Write(ref _ejectedUntil, now + _ejectionTicks);
            if (until != 0 && now < until)
            {
                // A failed trial (or a failure in panic mode) while ejected: the ejection runs on, the trial backoff keeps growing.
                return;
            }

            Volatile.Write(ref _trialBackoffTicks, _firstTrialTicks);
            Volatile.Write(ref _nextTrialAt, now + _firstTrialTicks);
            Interlocked.Increment(ref _ejections);
            UpstreamLog.EndpointEjected(_logger, _cluster, _address, _ejectionDuration, threshold);
        }
    }

    internal static long ToTimestampTicks(TimeSpan span, TimeProvider time) =>
        span <= TimeSpan.Zero ? 0 : (long)(span.TotalSeconds * time.TimestampFrequency);
}
