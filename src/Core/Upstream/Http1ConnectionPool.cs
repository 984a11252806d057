using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Logging;
using FastProxy.Core.Transport;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Upstream;

/// <summary>
/// HTTP/1.1 connection reuse for one endpoint: a LIFO stack of keep-alive connections (the most recently
/// used is the most likely still open), a cap on open connections, and a bounded queue of requests
/// waiting at the cap. Acquiring an idle connection and releasing it allocate nothing.
/// A connection carries another request only if nothing is readable on it, checked when it is
/// released (before a waiter or the idle stack gets it) and again when it is taken from the idle stack.
/// Requests waiting at the cap are bounded by <see cref="UpstreamPoolOptions.MaxPendingRequestsPerEndpoint"/>,
/// and, with the cluster's other pools, by the <see cref="UpstreamCircuitBreaker"/>.
/// </summary>
internal sealed class Http1ConnectionPool : UpstreamConnectionPool
{
    private const string ClosedByUpstream = "closed by upstream";
    private const string UnsolicitedBytes = "unsolicited bytes";

    /// <summary>
    /// How far below the top of the idle stack <see cref="PickIdleLocked"/> looks for a connection it can check
    /// without a syscall. Under wrk -c64 the caught-up one was within 4 entries for 40% of acquires and within 64
    /// for 94% before the mid-batch check (<see cref="Transport.Epoll.EpollLoop.HasNothingPendingFor"/>), and
    /// nearly always since; each entry looked at costs a few reads.
    /// </summary>
    private const int IdlePickDepth = 64;

    private readonly string _cluster;
    private readonly UpstreamEndpoint _endpoint;
    private readonly EndPoint _address;
    private readonly EndpointHealth _health;
    private readonly UpstreamCircuitBreaker _breaker;
    private readonly UpstreamPoolOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _queueRejections;
    private long _unsolicitedBytes;
    private readonly long _idleTimeoutTicks;
    private readonly Lock _lock = new();
    private readonly IdleConnection[] _idle;
    private readonly PoolWaiterQueue _waiters = new();
    private readonly int _maxPending;
    private int _idleCount;

    // The fewest idle connections since the last sweep: that many sat unused the whole interval.
    private int _idleLowWater;
    private int _open;
    private bool _disposed;

    public Http1ConnectionPool(string cluster, UpstreamEndpoint endpoint, EndpointHealth health, UpstreamCircuitBreaker breaker, UpstreamPoolOptions options, TimeProvider time, ILogger logger)
    {
        _cluster = cluster;
        _endpoint = endpoint;
        _address = endpoint.Address;
        _health = health;
        _breaker = breaker;
        _options = options;
        _time = time;
        _logger = logger;
        _maxPending = options.EffectiveMaxPendingRequests;
        _idle = new IdleConnection[Math.Max(0, options.MaxIdlePerEndpoint)];
        _idleTimeoutTicks = EndpointHealth.ToTimestampTicks(options.IdleTimeout, time);
    }

    public override int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idleCount;
            }
        }
    }

    public override int OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    public override int PendingRequests
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    public override long QueueRejections => Volatile.Read(ref _queueRejections);

    public override long UnsolicitedBytesClosures => Volatile.Read(ref _unsolicitedBytes);

    public override ValueTask<UpstreamLease> AcquireAsync(CancellationToken ct)
    {
        while (true)
        {
            TransportConnection? candidate = null;
            var candidateMark = -1L;
            PoolWaiter? waiter = null;
            var pending = -1;
            CircuitBreakerLimit? refused = null;
            lock (_lock)
            {
                if (_disposed)
                {
                    throw new UpstreamClusterRetiredException();
                }

                if (_idleCount > 0)
                {
                    var pick = PickIdleLocked();
                    (candidate, _, candidateMark) = _idle[pick];
                    Array.Copy(_idle, pick + 1, _idle, pick, _idleCount - pick - 1);
                    _idle[--_idleCount] = default;
                    _idleLowWater = Math.Min(_idleLowWater, pick);
                }
                else if (_open < _options.MaxConnectionsPerEndpoint && _breaker.TryOpenConnection())
                {
                    _open++;
                }
                else if (_open == 0)
                {
                    // The cluster is at its connection limit and none of its connections is ours: no release
                    // here would ever hand this request one, so waiting could only end in a timeout.
                    refused = CircuitBreakerLimit.MaxConnections;
                }
                else if (_waiters.Count >= _maxPending)
                {
                    pending = _waiters.Count;
                }
                else if (!_breaker.TryAddPending())
                {
                    refused = CircuitBreakerLimit.MaxPendingRequests;
                }
                else
                {
                    waiter = new PoolWaiter();
                    _waiters.Enqueue(waiter);
                }
            }

            if (candidate is not null)
            {
                var unusable = WhyNotReusable(candidate, askKernel: !CaughtUp(candidate, candidateMark));
                if (unusable is null)
                {
                    _health.LeaseStarted();
                    return new ValueTask<UpstreamLease>(new UpstreamLease(candidate, isReused: true, _endpoint));
                }

                CountIfUnsolicited(candidate, unusable);
                Discard(candidate, unusable);
                continue;
            }

            if (refused is { } limit)
            {
                _breaker.ThrowOpen(limit);
            }

            if (pending >= 0)
            {
                ThrowQueueFull(pending);
            }

            return waiter is null ? ConnectNewAsync(ct) : WaitForConnectionAsync(waiter, ct);
        }
    }

    public override void Release(UpstreamLease lease, bool reusable)
    {
        var connection = lease.Connection;
        var reason = reusable ? WhyNotReusable(connection, askKernel: false) : "not reusable";
        if (reason is null)
        {
            connection.ClearTimeout();
            var kept = TryKeep(connection, kernelAsked: false);
            if (kept == Kept.AskKernelFirst)
            {
                reason = WhyNotReusable(connection, askKernel: true);
                kept = reason is null ? TryKeep(connection, kernelAsked: true) : Kept.No;
            }

            if (kept == Kept.Yes)
            {
                return;
            }
        }

        CountIfUnsolicited(connection, reason);
        _health.LeaseEnded();
        Discard(connection, reason ?? "pool full");
    }

    /// <summary>
    /// Closes idle connections past the idle timeout or closed by the upstream, and half of those that no
    /// request took since the last sweep (oldest first; the cluster's timer calls this every second).
    /// The halving lets a pool grown by a burst shrink back within seconds once the burst is over, as
    /// HAProxy's pool-purge-delay does, while a steady load keeps every connection it uses, and a single
    /// idle connection (half of one is none) stays for the next request until the idle timeout.
    /// </summary>
    public override void Sweep()
    {
        var now = _time.GetTimestamp();
        List<(TransportConnection Connection, string Reason)>? discarded = null;
        lock (_lock)
        {
            var kept = 0;
            for (var i = 0; i < _idleCount; i++)
            {
                var entry = _idle[i];
                if (now - entry.IdleSince >= _idleTimeoutTicks || entry.Connection.IsInputEnded)
                {
                    (discarded ??= []).Add((entry.Connection, entry.Connection.IsInputEnded ? "closed by upstream" : "idle timeout"));
                }
                else
                {
                    _idle[kept++] = entry;
                }
            }

            Array.Clear(_idle, kept, _idleCount - kept);
            _idleCount = kept;

            var unused = Math.Min(_idleLowWater, _idleCount) / 2;
            if (unused > 0)
            {
                // The stack's bottom holds the connections idle longest.
                for (var i = 0; i < unused; i++)
                {
                    (discarded ??= []).Add((_idle[i].Connection, "unused since the last sweep"));
                }

                Array.Copy(_idle, unused, _idle, 0, _idleCount - unused);
                Array.Clear(_idle, _idleCount - unused, unused);
                _idleCount -= unused;
            }

            _idleLowWater = _idleCount;
        }

        if (discarded is not null)
        {
            foreach (var (connection, reason) in discarded)
            {
                Discard(connection, reason);
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        IdleConnection[] idle;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = _idle[.._idleCount];
            Array.Clear(_idle);
            _open -= _idleCount;
            _breaker.ConnectionsClosed(_idleCount);
            _idleCount = 0;
            while (TryDequeueWaiter(out var waiter))
            {
                waiter.TrySetException(new UpstreamClusterRetiredException());
            }
        }

        foreach (var entry in idle)
        {
            await entry.Connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Hands a released connection (its reader found nothing) to a waiter or to the idle stack. A waiter sends its
    /// request at once, before the event loop need have looked at the socket again, so it gets the connection only
    /// once the kernel was asked (<see cref="Kept.AskKernelFirst"/> says to do that, outside the lock, and call
    /// again). The idle stack records the event loop's progress mark instead: the acquire that takes it asks the
    /// kernel only if the loop has not caught up with the mark by then.
    /// </summary>
    private Kept TryKeep(TransportConnection connection, bool kernelAsked)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return Kept.No;
            }

            if (_waiters.Count > 0)
            {
                if (!kernelAsked)
                {
                    return Kept.AskKernelFirst;
                }

                // A waiter takes it over directly: one lease ends and another begins, Outstanding is unchanged.
                while (TryDequeueWaiter(out var waiter))
                {
                    if (waiter.TrySetResult(connection))
                    {
                        return Kept.Yes;
                    }
                }
            }

            if (_idleCount < _idle.Length)
            {
                var mark = connection is SocketConnection socketConnection ? socketConnection.InputProgressMark : -1;
                _idle[_idleCount++] = new IdleConnection(connection, _time.GetTimestamp(), mark);
                _health.LeaseEnded();
                return Kept.Yes;
            }
        }

        return Kept.No;
    }

    /// <summary>
    /// Which idle connection an acquire takes: nearly LIFO (the most recently released is the warmest and least
    /// likely closed), but among the last <see cref="IdlePickDepth"/> released the newest one whose reader has caught
    /// up with its release (<see cref="CaughtUp"/>), so that no syscall is needed to check it. Under load the top
    /// entry was often released in the event-loop batch that is still running, and a slightly older one has been
    /// seen by a later wait; with none caught up, the top one is taken and the kernel is asked.
    /// </summary>
    private int PickIdleLocked()
    {
        var top = _idleCount - 1;
        var last = Math.Max(0, _idleCount - IdlePickDepth);
        for (var i = top; i >= last; i--)
        {
            if (CaughtUp(_idle[i].Connection, _idle[i].InputMark))
            {
                return i;
            }
        }

        return top;
    }

    /// <summary>
    /// Whether the reader of idle <paramref name="connection"/> has taken in everything its socket had received when
    /// it went idle (<paramref name="mark"/>): then whatever arrived behind its last response is in the reader, and
    /// <see cref="WhyNotReusable"/> need not ask the kernel.
    /// </summary>
    private static bool CaughtUp(TransportConnection connection, long mark) =>
        connection is SocketConnection socketConnection && socketConnection.InputCaughtUpWith(mark);

    /// <summary>
    /// Null when nothing is readable on <paramref name="connection"/>, else why it must not carry another
    /// request. On an HTTP/1.1 connection between exchanges nothing may be readable: a FIN or an error
    /// means the upstream closed it; bytes mean it sent something no request asked for (a 408, or the
    /// response to a smuggled second request) that the next request's user would read as its own response.
    /// With <paramref name="askKernel"/> it looks at the kernel first (poll(2), then FIONREAD to tell bytes
    /// from a close), then at what the reader already took in: a byte moving from the socket to the reader in
    /// between is seen by the first look. One syscall (two when something is there), no allocation.
    /// Without it, only at the reader: no syscall.
    /// </summary>
    /// <remarks>
    /// Bytes sent right behind a response are the sign of a desync, and they may not have reached the reader when
    /// the response ends. The reader keeps its socket armed while the connection idles, and the event loop drains
    /// whatever arrives (bytes or FIN) into it inline. So the kernel is asked only when the loop may not have caught
    /// up: at acquire, unless an epoll_wait that began after the release has returned and been dispatched, or the
    /// acquire runs on that loop's thread in such a batch and none of its events still to come is this socket's (see
    /// <see cref="TryKeep"/>; under load it nearly always has), and at release when a waiter takes the connection
    /// at once. This sees at least what a poll at release saw (everything the kernel had at release) without
    /// its syscall, which was a sixth of the syscalls of a proxied request and ~6% of the proxy's CPU. What
    /// arrives after that point can race any check: a close there fails the request before any response byte,
    /// which is retried like a close that races the poll itself.
    /// </remarks>
    private static string? WhyNotReusable(TransportConnection connection, bool askKernel)
    {
        if (connection.IsInputEnded)
        {
            return ClosedByUpstream;
        }

        if (connection.IsAborted)
        {
            return "aborted";
        }

        try
        {
            var socket = askKernel ? (connection as SocketConnection)?.Socket : null;
            var kernelReadable = socket is not null && socket.Poll(0, SelectMode.SelectRead);
            if (kernelReadable && socket!.Available > 0)
            {
                return UnsolicitedBytes;
            }

            // Readable with nothing available is a FIN, unless the event loop's reader took the bytes in between: ask
            // it before calling it a close (either way the connection is not reused; this keeps the reason right).
            if (connection.Input.TryRead(out var result))
            {
                var any = !result.Buffer.IsEmpty;
                connection.Input.AdvanceTo(result.Buffer.Start);
                return any ? UnsolicitedBytes : result.IsCompleted ? ClosedByUpstream : "read cancelled";
            }

            if (kernelReadable)
            {
                return ClosedByUpstream;
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or SocketException or ObjectDisposedException)
        {
            return ClosedByUpstream;
        }

        return null;
    }

    /// <summary>Fails an acquire at the queue bound: counted, logged, and kept out of <see cref="AcquireAsync"/>'s body (a cold path).</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ThrowQueueFull(int pending)
    {
        Interlocked.Increment(ref _queueRejections);
        UpstreamLog.QueueFull(_logger, _cluster, _address, _options.MaxConnectionsPerEndpoint, pending);
        throw new UpstreamQueueFullException($"All {_options.MaxConnectionsPerEndpoint} connections to {_address} are busy and {pending} requests already wait for one.");
    }

    private async ValueTask<UpstreamLease> ConnectNewAsync(CancellationToken ct)
    {
        TransportConnection connection;
        try
        {
            connection = await _options.Connector.ConnectAsync(_address, _options.ConnectTimeout, ct);
        }
        catch
        {
            ReleaseSlot();
            throw;
        }

        UpstreamLog.ConnectionOpened(_logger, _cluster, connection.Id, _address);
        _health.LeaseStarted();
        return new UpstreamLease(connection, isReused: false, _endpoint);
    }

    private async ValueTask<UpstreamLease> WaitForConnectionAsync(PoolWaiter waiter, CancellationToken ct)
    {
        TransportConnection? handed;
        try
        {
            handed = await waiter.Task.WaitAsync(_options.ConnectTimeout, _time, ct);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            bool gaveUp;
            lock (_lock)
            {
                // Under the lock so a concurrent Release either handed us a connection already or no longer finds us.
                gaveUp = RemoveWaiter(waiter) && waiter.TrySetCanceled(CancellationToken.None);
            }

            if (gaveUp)
            {
                if (ex is TimeoutException)
                {
                    UpstreamLog.PoolExhausted(_logger, _cluster, _address, _options.MaxConnectionsPerEndpoint);
                    throw new UpstreamPoolExhaustedException($"All {_options.MaxConnectionsPerEndpoint} connections to {_address} stayed busy for {_options.ConnectTimeout}.", ex);
                }

                throw;
            }

            handed = await waiter.Task;
        }

        if (handed is null)
        {
            // A slot was freed and passed to us.
            return await ConnectNewAsync(ct);
        }

        return new UpstreamLease(handed, isReused: true, _endpoint);
    }

    private void CountIfUnsolicited(TransportConnection connection, string? reason)
    {
        if (string.Equals(reason, UnsolicitedBytes, StringComparison.Ordinal))
        {
            // Bytes after a complete response are an answer to something no user of this connection sent
            // (a smuggled or desynced request): the next request's user would read them as its response.
            Interlocked.Increment(ref _unsolicitedBytes);
            UpstreamLog.UnsolicitedBytes(_logger, _cluster, connection.Id, _address);
        }
    }

    private void Discard(TransportConnection connection, string reason)
    {
        UpstreamLog.PooledConnectionDiscarded(_logger, _cluster, connection.Id, _address, reason);
        ReleaseSlot();
        _ = DisposeQuietlyAsync(connection);
    }

    /// <summary>One open connection fewer: the slot goes to the first live waiter, or back to the count (and the cluster's).</summary>
    private void ReleaseSlot()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                while (TryDequeueWaiter(out var waiter))
                {
                    if (waiter.TrySetResult(null))
                    {
                        return;
                    }
                }
            }

            _open--;
            _breaker.ConnectionClosed();
        }
    }

    /// <summary>The longest-waiting waiter, out of this queue and the cluster's count. Under the lock.</summary>
    private bool TryDequeueWaiter([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PoolWaiter? waiter)
    {
        if (!_waiters.TryDequeue(out waiter))
        {
            return false;
        }

        _breaker.PendingRemoved();
        return true;
    }

    /// <summary>Takes a waiter that gives up out of this queue and the cluster's count; false when it was no longer queued. Under the lock.</summary>
    private bool RemoveWaiter(PoolWaiter waiter)
    {
        if (!_waiters.Remove(waiter))
        {
            return false;
        }

        _breaker.PendingRemoved();
        return true;
    }

    private static async Task DisposeQuietlyAsync(TransportConnection connection)
    {
        try
        {
            await connection.DisposeAsync();
        }
#pragma warning disable CA1031 // closing a connection we are throwing away must never surface
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private enum Kept
    {
        No,
        Yes,
        AskKernelFirst,
    }
}
