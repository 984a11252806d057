using FastProxy.Core.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Core.Timing;

/// <summary>
/// One coarse timer for every connection deadline (Kestrel's Heartbeat): instead of a timer per
/// connection, connections store their deadline in a field and register once for their lifetime;
/// each tick scans the registered handlers and fires the ones whose deadline passed.
/// Setting or clearing a deadline is a field write and allocates nothing.
/// </summary>
public sealed class Heartbeat : IDisposable
{
    /// <summary>The usual tick: deadlines are honoured to within this much (Kestrel uses 1 s too).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly bool _systemTime;
    private readonly long _originTickCount;
    private readonly HashSet<IHeartbeatHandler> _handlers = new(ReferenceEqualityComparer.Instance);
    private readonly ITimer _timer;
    private IHeartbeatHandler[] _snapshot = [];
    private int _ticking;
    private bool _disposed;

    public Heartbeat(TimeProvider time, TimeSpan interval)
        : this(time, interval, NullLogger.Instance)
    {
    }

    public Heartbeat(TimeProvider time, TimeSpan interval, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        _systemTime = ReferenceEquals(time, TimeProvider.System);
        _originTickCount = Environment.TickCount64;
        _timer = time.CreateTimer(static s => ((Heartbeat)s!).Tick(), this, interval, interval);
    }

    public TimeProvider Time => _time;

    /// <summary>Milliseconds since this heartbeat was created, on its <see cref="TimeProvider"/>.</summary>
    /// <remarks>
    /// Read per request (every deadline set). On the system clock it is <see cref="Environment.TickCount64"/>
    /// (a coarse monotonic clock, a few ms resolution, far cheaper than a precise timestamp), which is
    /// plenty for deadlines that fire on a 1-second tick.
    /// </remarks>
    public long NowMilliseconds => _systemTime ? Environment.TickCount64 - _originTickCount : (long)_time.GetElapsedTime(_origin).TotalMilliseconds;

    /// <summary>Number of registered handlers (connections alive with this heartbeat).</summary>
    public int Count
    {
        get
        {
            lock (_handlers)
            {
                return _handlers.Count;
            }
        }
    }

    internal void Register(IHeartbeatHandler handler)
    {
        lock (_handlers)
        {
            _handlers.Add(handler);
        }
    }

    internal void Unregister(IHeartbeatHandler handler)
    {
        lock (_handlers)
        {
            _handlers.Remove(handler);
        }
    }

    /// <summary>Runs one scan now (the timer calls this; tests may too).</summary>
    internal void Tick()
    {
        // A slow scan must not overlap the next tick.
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            int count;
            IHeartbeatHandler[] snapshot;
            lock (_handlers)
            {
                if (_disposed)
                {
                    return;
                }

                count = _handlers.Count;
                if (_snapshot.Length < count)
                {
                    _snapshot = new IHeartbeatHandler[Math.Max(count, _snapshot.Length * 2)];
                }

                snapshot = _snapshot;
                _handlers.CopyTo(snapshot);
            }

            var now = NowMilliseconds;
            for (var i = 0; i < count; i++)
            {
                try
                {
                    snapshot[i].OnHeartbeat(now);
                }
#pragma warning disable CA1031 // one faulty handler must not stop the others' deadlines
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    TransportLog.HeartbeatHandlerFailed(_logger, ex);
                }
            }

            // Drop references so closed connections are collectable before the next tick.
            Array.Clear(snapshot, 0, count);
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose()
    {
        lock (_handlers)
        {
            _disposed = true;
            _handlers.Clear();
        }

        _timer.Dispose();
    }
}
