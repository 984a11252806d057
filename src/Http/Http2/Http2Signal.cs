using System.Threading.Tasks.Sources;

namespace FastProxy.Http.Http2;

/// <summary>
/// An auto-reset "something changed, look again" event with one waiter, reusable without allocating: a stream waits on
/// it for send window or for its frames to be flushed, the connection's flusher waits on it for work. A
/// <see cref="Set"/> with nobody waiting is remembered, so a wake-up between checking a condition and waiting is never
/// lost; waiters always re-check their condition after waking.
/// </summary>
internal sealed class Http2Signal : IValueTaskSource
{
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _set;
    private bool _waiting;

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

        _core.SetResult(true);
    }

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
