using FastProxy.Core.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Transport;

/// <summary>
/// Gives memory back once traffic stops: when no buffer was rented for <see cref="IdleAfter"/> after a
/// period of activity, the pool's surplus blocks are dropped and one compacting, decommitting GC runs.
/// A burst grows the pool and the GC heap (gen0 budgets, survivors of in-flight requests); without this,
/// thousands of keep-alive connections left idle after it keep that memory for as long as they stay.
/// The collection runs on the timer thread only while the proxy is idle, so no request waits for it;
/// it runs once per idle period, not on every tick.
/// </summary>
public sealed class IdleMemoryReclaimer : IDisposable
{
    /// <summary>Blocks kept for the next burst: enough for a few dozen requests in flight.</summary>
    public const int RetainedBlocksKept = 64;

    private readonly PinnedBlockMemoryPool _pool;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private long _lastStamp;
    private long _lastActivity;
    private bool _dirty;

    public IdleMemoryReclaimer(PinnedBlockMemoryPool pool, TimeSpan idleAfter, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleAfter, TimeSpan.Zero);
        _pool = pool;
        _time = time;
        _logger = logger;
        IdleAfter = idleAfter;
        _lastStamp = pool.ActivityStamp;
        _lastActivity = time.GetTimestamp();
        var period = TimeSpan.FromTicks(Math.Max(idleAfter.Ticks / 2, TimeSpan.TicksPerMillisecond));
        _timer = time.CreateTimer(static s => ((IdleMemoryReclaimer)s!).Check(), this, period, period);
    }

    public TimeSpan IdleAfter { get; }

    /// <summary>How many times memory was reclaimed (tests, diagnostics).</summary>
    public int Reclaims { get; private set; }

    public void Dispose() => _timer.Dispose();

    /// <summary>One look at the pool (the timer calls this; tests may too).</summary>
    internal void Check()
    {
        var stamp = _pool.ActivityStamp;
        if (stamp != _lastStamp)
        {
            _lastStamp = stamp;
            _lastActivity = _time.GetTimestamp();
            _dirty = true;
            return;
        }

        if (!_dirty || _time.GetElapsedTime(_lastActivity) < IdleAfter)
        {
            return;
        }

        _dirty = false;
        var dropped = _pool.Trim(RetainedBlocksKept);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Reclaims++;
        TransportLog.MemoryReclaimed(_logger, dropped, GC.GetTotalMemory(forceFullCollection: false));
    }
}
