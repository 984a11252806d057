namespace FastProxy.Core.Limits;

/// <summary>
/// Requests refused by a connection's <see cref="RequestRateBucket"/> (one instance per protocol front end, shared by
/// its connections): the count for the metrics endpoint, and a log throttle, so that a flood of refusals writes one
/// line a second with the running count instead of one line per refusal.
/// </summary>
public sealed class RateLimitedRequests
{
    private long _count;
    private long _lastLoggedAt;

    /// <summary>Requests refused so far.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Counts one refusal at <paramref name="now"/> (a <paramref name="time"/> timestamp); true when it should be logged.</summary>
    public bool Add(TimeProvider time, long now)
    {
        ArgumentNullException.ThrowIfNull(time);
        Interlocked.Increment(ref _count);
        var last = Volatile.Read(ref _lastLoggedAt);

        // One caller wins the second's slot; the others only count.
        return (last == 0 || time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1))
            && Interlocked.CompareExchange(ref _lastLoggedAt, now, last) == last;
    }
}
