using System.Runtime.InteropServices;

namespace FastProxy.Core.Limits;

/// <summary>
/// The token bucket of one client connection: <see cref="RequestRateLimit.Burst"/> tokens, refilled at
/// <see cref="RequestRateLimit.PerSecond"/>, one taken per request. Kept in its virtual-scheduling form (the generic
/// cell rate algorithm, GCRA): one timestamp, the time at which the bucket would be full again
/// if nothing more were taken, instead of a token count plus the time of the last refill. Same admissions, one field,
/// integer arithmetic only. A mutable struct embedded in its connection: no allocation, and no lock, because one
/// connection's requests are counted by one loop at a time (HTTP/1.1's request loop, HTTP/2's frame loop).
/// Timestamps are the caller's monotonic clock (<see cref="TimeProvider.GetTimestamp"/>); differences are taken
/// unchecked, so a clock that wraps past <see cref="long.MaxValue"/> still counts forward.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct RequestRateBucket
{
    // The time one token takes to come back, and how far ahead of now the full-again time may run (burst - 1 tokens
    // spent), in timestamp units. Zero interval: no limit.
    private readonly long _interval;
    private readonly long _tolerance;

    // When the bucket would be full again ("theoretical arrival time"); at or before now it is full.
    private long _fullAt;

    public RequestRateBucket(RequestRateLimit limit, long timestampFrequency, long now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timestampFrequency, 1);
        if (limit.IsUnlimited)
        {
            return;
        }

        // At least one unit: a clock coarser than the rate (never Stopwatch's, 1 ns on Linux) then limits to its own resolution.
        _interval = Math.Max(1, timestampFrequency / limit.PerSecond);
        _tolerance = _interval * (limit.Burst - 1);
        _fullAt = now;
    }

    /// <summary>Whether this bucket limits anything (default and <see cref="RequestRateLimit.Unlimited"/> do not).</summary>
    public readonly bool IsLimited => _interval != 0;

    /// <summary>Takes a token at <paramref name="now"/>: true when there was one (the request may go on).</summary>
    public bool TryTake(long now)
    {
        if (_interval == 0)
        {
            return true;
        }

        // Unchecked differences: correct across a wrap of the clock (see the type's summary).
        var fullAt = unchecked(_fullAt - now) < 0 ? now : _fullAt;
        if (unchecked(fullAt - now) > _tolerance)
        {
            return false;
        }

        _fullAt = unchecked(fullAt + _interval);
        return true;
    }
}
