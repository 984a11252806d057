namespace FastProxy.Core.Transport;

/// <summary>
/// A token bucket over new connections, for <see cref="ConnectionListenerOptions.MaxAcceptsPerSecond"/>: beyond the rate
/// the accept loops pause, so a connection flood waits in the kernel backlog (and past it is refused by the kernel)
/// instead of costing a socket, a handshake and a connection state each. Bursts up to one second's worth pass at once.
/// Shared by every accept loop of a listener.
/// </summary>
internal sealed class AcceptRateLimiter
{
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _updatedAt;

    public AcceptRateLimiter(int perSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        _perSecond = perSecond;
        _time = time;
        _tokens = perSecond;
        _updatedAt = time.GetTimestamp();
    }

    /// <summary>Takes one accept; returns how long to wait first (zero when a token was there).</summary>
    public TimeSpan Take()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_perSecond, _tokens + (_time.GetElapsedTime(_updatedAt, now).TotalSeconds * _perSecond));
            _updatedAt = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _perSecond);
        }
    }
}
