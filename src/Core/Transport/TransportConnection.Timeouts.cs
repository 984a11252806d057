using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using FastProxy.Core.Logging;
using FastProxy.Core.Timing;

namespace FastProxy.Core.Transport;

/// <summary>Deadlines: one packed field per connection, scanned by the shared <see cref="Heartbeat"/>.</summary>
public abstract partial class TransportConnection
{
    // _deadline packs (milliseconds on the heartbeat clock << 8) | reason, so a deadline and its
    // reason are set, cleared and claimed with single atomic operations (no torn reason).
    private const long NoDeadline = long.MaxValue;
    private const int ReasonBits = 8;
    private const long MaxDeadlineMilliseconds = (long.MaxValue >> ReasonBits) - 1;

    private readonly Heartbeat? _heartbeat;
    private long _deadline = NoDeadline;
    private volatile TimeoutReason _timedOutReason;
    private volatile bool _draining;
    private int _awaitingRequest;

    /// <summary>
    /// Why the last deadline fired, or <see cref="TimeoutReason.None"/>. When a pending
    /// <see cref="Input"/> read returns <c>IsCanceled</c>, read this: a reason means "answer (e.g. 408)
    /// or close"; <c>None</c> means a stale cancellation (the deadline fired while no read was
    /// pending and was then cleared): just read again. Reset by <see cref="SetTimeout"/> and <see cref="ClearTimeout"/>.
    /// </summary>
    public TimeoutReason TimedOutReason => _timedOutReason;

    /// <summary>
    /// Arms the connection's single deadline <paramref name="after"/> from now (replacing any other).
    /// When it passes (within one heartbeat tick) <see cref="TimedOutReason"/> is set and the pending
    /// read of <see cref="Input"/> (the top pipe: a reader waiting on a TLS layer's pipe is woken too) returns
    /// <c>IsCanceled</c>. Allocates nothing.
    /// While the listener drains, a <see cref="TimeoutReason.KeepAliveIdle"/> deadline fires at once with <see cref="TimeoutReason.Drain"/>.
    /// </summary>
    public void SetTimeout(TimeSpan after, TimeoutReason reason)
    {
        if (_heartbeat is null)
        {
            ThrowNoHeartbeat();
        }

        if (reason == TimeoutReason.None)
        {
            ThrowNoReason(nameof(reason));
        }

        _timedOutReason = TimeoutReason.None;
        if (_draining && reason == TimeoutReason.KeepAliveIdle)
        {
            Volatile.Write(ref _deadline, NoDeadline);
            Fire(TimeoutReason.Drain);
            return;
        }

        var ms = after <= TimeSpan.Zero ? 0 : Math.Min((long)Math.Ceiling(after.TotalMilliseconds), MaxDeadlineMilliseconds);
        var at = Math.Min(_heartbeat.NowMilliseconds + ms, MaxDeadlineMilliseconds);
        Volatile.Write(ref _deadline, (at << ReasonBits) | (byte)reason);
    }

    /// <summary>Disarms the deadline and resets <see cref="TimedOutReason"/>.</summary>
    public void ClearTimeout()
    {
        Volatile.Write(ref _deadline, NoDeadline);
        _timedOutReason = TimeoutReason.None;
    }

    void IHeartbeatHandler.OnHeartbeat(long nowMilliseconds)
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline == NoDeadline || (deadline >> ReasonBits) > nowMilliseconds)
        {
            return;
        }

        // Claim it: fails if the application cleared or replaced the deadline meanwhile.
        if (Interlocked.CompareExchange(ref _deadline, NoDeadline, deadline) == deadline)
        {
            Fire((TimeoutReason)(byte)(deadline & 0xFF));
        }
    }

    /// <summary>
    /// The application is (true) or is no longer (false) waiting on <see cref="Input"/> for the first byte
    /// of a new request. While it waits, a drain wakes it at once with <see cref="TimeoutReason.Drain"/>
    /// (the listener's shutdown needs no per-connection registration on its token).
    /// </summary>
    public void SetAwaitingRequest(bool awaiting)
    {
        Interlocked.Exchange(ref _awaitingRequest, awaiting ? 1 : 0);
        if (awaiting && _draining)
        {
            Fire(TimeoutReason.Drain);
        }
    }

    /// <summary>
    /// Called by the listener when shutdown begins: a connection waiting idle for its next request
    /// (deadline <see cref="TimeoutReason.KeepAliveIdle"/>, or <see cref="SetAwaitingRequest"/>) is woken now with <see cref="TimeoutReason.Drain"/>;
    /// a busy one finishes its request and sees the shutdown token.
    /// </summary>
    public void BeginDrain()
    {
        _draining = true;

        // Pairs with SetAwaitingRequest: each side stores, fences, then loads, so one of them sees the other.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _awaitingRequest) != 0)
        {
            Fire(TimeoutReason.Drain);
            return;
        }

        var deadline = Volatile.Read(ref _deadline);
        if (deadline != NoDeadline && (TimeoutReason)(byte)(deadline & 0xFF) == TimeoutReason.KeepAliveIdle
            && Interlocked.CompareExchange(ref _deadline, NoDeadline, deadline) == deadline)
        {
            Fire(TimeoutReason.Drain);
        }
    }

    /// <summary>Lets the heartbeat visit this connection: the last step of a derived constructor (with no heartbeat, nothing).</summary>
    protected void StartDeadlines() => _heartbeat?.Register(this);

    /// <summary>Stops the heartbeat from visiting this connection (its close: no deadline can fire after it).</summary>
    protected void StopDeadlines() => _heartbeat?.Unregister(this);

    private void Fire(TimeoutReason reason)
    {
        _timedOutReason = reason;
        TransportLog.ConnectionTimedOut(Logger, Id, reason);

        // The top pipe: with TLS on top, the application waits on the decrypted pipe, not on the socket.
        Input.CancelPendingRead();
    }

    [DoesNotReturn]
    [StackTraceHidden]
    private static void ThrowNoHeartbeat() =>
        throw new InvalidOperationException("No heartbeat was given to this connection (SocketConnectionOptions.Heartbeat): it cannot have deadlines.");

    [DoesNotReturn]
    [StackTraceHidden]
    private static void ThrowNoReason(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, "A deadline needs a reason other than None.");
}
