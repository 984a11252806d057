using System.Threading.Tasks.Sources;

namespace FastProxy.Http.Http2;

/// <summary>
/// An auto-reset "something changed, look again" event with one waiter, reusable without allocating: a stream waits on
/// it for send window or for its frames to be flushed, the connection's flusher waits on it for work. A
/// <see cref="Set"/> with nobody waiting is remembered, so a wake-up between checking a condition and waiting is never
/// lost; waiters always re-check their condition after waking.
/// </summary>
internal sealed class Http2Signal : IValueTaskSource, IThreadPoolWorkItem
{
    private readonly Lock _lock = new();
    private readonly bool _wakeBehindQueuedWork;
    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _set;
    private bool _waiting;

    public Http2Signal()
        : this(wakeBehindQueuedWork: false)
    {
    }

    /// <param name="wakeBehindQueuedWork">
    /// Run the waiter from the thread pool's global queue rather than the setting thread's local one (which runs last
    /// in, first out). A connection's flusher waits this way: the stream handlers already queued run first and add their
    /// frames, and one send carries them all.
    /// </param>
    public Http2Signal(bool wakeBehindQueuedWork)
    {
        _wakeBehindQueuedWork = wakeBehindQueuedWork;
        _core = new ManualResetValueTaskSourceCore<bool> { RunContinuationsAsynchronously = !wakeBehindQueuedWork };
    }

    public ValueTask WaitAsync()
    {
        lock (_lock)
        {
            if (_set)
            {
                _set = false;
                return default;
            }

            _waiting = true;
            return new ValueTask(this, _core.Version);
        }
    }

    public void Set()
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                _set = true;
                return;
            }

            _waiting = false;
            _set = false;
        }

        if (_wakeBehindQueuedWork)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            return;
        }

        _core.SetResult(true);
    }

    // The queued wake-up of a wakeBehindQueuedWork signal: the waiter's continuation runs here, inline.
    void IThreadPoolWorkItem.Execute() => _core.SetResult(true);

    /// <summary>Forgets a remembered wake-up (a pooled owner starting over). Never call while a wait is pending.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _set = false;
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        _core.GetResult(token);
        _core.Reset();
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
