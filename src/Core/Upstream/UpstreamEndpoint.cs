using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Logging;
using FastProxy.Core.Transport;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Upstream;

/// <summary>
/// One upstream address: a LIFO pool of keep-alive connections (the most recently used is the
/// most likely still open), a cap on open connections, and passive health (consecutive
/// failures eject it for a while). Acquiring an idle connection and releasing it allocate nothing.
/// A connection carries another request only if nothing is readable on it, checked when it is
/// released (before a waiter or the idle stack gets it) and again when it is taken from the idle stack.
/// Requests waiting at the cap are bounded by <see cref="UpstreamPoolOptions.MaxPendingRequestsPerEndpoint"/>.
/// </summary>
public sealed class UpstreamEndpoint
{
    private const string ClosedByUpstream = "closed by upstream";
    private const string UnsolicitedBytes = "unsolicited bytes";

    private readonly string _cluster;
    private readonly UpstreamPoolOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _ejections;
    private long _queueRejections;
    private long _unsolicitedBytes;
    private readonly long _idleTimeoutTicks;
    private readonly long _ejectionTicks;
    private readonly Lock _lock = new();
    private readonly IdleConnection[] _idle;
    private readonly PoolWaiterQueue _waiters = new();
    private readonly int _maxPending;
    private int _idleCount;

    // The fewest idle connections since the last sweep: that many sat unused the whole interval.
    private int _idleLowWater;
    private int _open;
    private int _outstanding;
    private int _consecutiveFailures;
    private long _ejectedUntil;
    private bool _disposed;

    internal UpstreamEndpoint(string cluster, EndPoint address, UpstreamPoolOptions options, TimeProvider time, ILogger logger)
    {
        _cluster = cluster;
        Address = address;
        Name = address.ToString() ?? "?";
        _options = options;
        _time = time;
        _logger = logger;
        _maxPending = options.EffectiveMaxPendingRequests;
        _idle = new IdleConnection[Math.Max(0, options.MaxIdlePerEndpoint)];
        _idleTimeoutTicks = ToTimestampTicks(options.IdleTimeout, time);
        _ejectionTicks = ToTimestampTicks(options.EjectionDuration, time);
    }

    public EndPoint Address { get; }

    /// <summary>The address as text, built once (audit records and logs name it per request).</summary>
    public string Name { get; }

    /// <summary>Leases out now.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Idle connections in the pool.</summary>
    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idleCount;
            }
        }
    }

    /// <summary>Open connections: idle, leased and being connected.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>Requests waiting now for a connection at the per-endpoint cap.</summary>
    public int PendingRequests
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Acquires refused at once because the wait queue was full (a counter for metrics).</summary>
    public long QueueRejections => Volatile.Read(ref _queueRejections);

    /// <summary>Connections closed because the upstream sent bytes nobody asked for (a counter for metrics: each is a desync or smuggling sign).</summary>
    public long UnsolicitedBytesClosures => Volatile.Read(ref _unsolicitedBytes);

    /// <summary>Consecutive failures reported since the last success or ejection.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    /// <summary>True while ejected after <see cref="UpstreamPoolOptions.EjectAfterConsecutiveFailures"/> failures; clears itself after <see cref="UpstreamPoolOptions.EjectionDuration"/>.</summary>
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
                UpstreamLog.EndpointReturned(_logger, _cluster, Address);
            }

            return false;
        }
    }

    /// <summary>
    /// A pooled connection that is still open (one the upstream closed, or that has stray bytes, is
    /// discarded), else a new one (connect bounded by <see cref="UpstreamPoolOptions.ConnectTimeout"/>).
    /// At <see cref="UpstreamPoolOptions.MaxConnectionsPerEndpoint"/> it waits, also bounded by the
    /// connect timeout, for a release, then throws <see cref="UpstreamPoolExhaustedException"/>; when
    /// <see cref="UpstreamPoolOptions.MaxPendingRequestsPerEndpoint"/> already wait it throws
    /// <see cref="UpstreamQueueFullException"/> at once.
    /// Throws <see cref="UpstreamConnectException"/> when connecting fails. Does not report health:
    /// call <see cref="ReportFailure"/> / <see cref="ReportSuccess"/> for the outcome of the exchange.
    /// </summary>
    public ValueTask<UpstreamLease> AcquireAsync(CancellationToken ct)
    {
        while (true)
        {
            TransportConnection? candidate = null;
            PoolWaiter? waiter = null;
            var pending = -1;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_idleCount > 0)
                {
                    // LIFO: the most recently released connection is the warmest and least likely closed.
                    candidate = _idle[--_idleCount].Connection;
                    _idle[_idleCount] = default;
                    _idleLowWater = Math.Min(_idleLowWater, _idleCount);
                }
                else if (_open < _options.MaxConnectionsPerEndpoint)
                {
                    _open++;
                }
                else if (_waiters.Count < _maxPending)
                {
                    waiter = new PoolWaiter();
                    _waiters.Enqueue(waiter);
                }
                else
                {
                    pending = _waiters.Count;
                }
            }

            if (candidate is not null)
            {
                var unusable = WhyNotReusable(candidate);
                if (unusable is null)
                {
                    Interlocked.Increment(ref _outstanding);
                    return new ValueTask<UpstreamLease>(new UpstreamLease(candidate, isReused: true, this));
                }

                Discard(candidate, unusable);
                continue;
            }

            if (pending >= 0)
            {
                ThrowQueueFull(pending);
            }

            return waiter is null ? ConnectNewAsync(ct) : WaitForConnectionAsync(waiter, ct);
        }
    }

    /// <summary>
    /// Returns a lease. <paramref name="reusable"/>: the exchange ended cleanly and the connection may
    /// carry another request (it goes to a waiter or onto the idle stack) unless something is readable
    /// on it; otherwise it is closed, and a waiter gets its slot to connect anew.
    /// </summary>
    public void Release(UpstreamLease lease, bool reusable)
    {
        var connection = lease.Connection;
        var reason = reusable ? WhyNotReusable(connection) : "not reusable";
        if (reason is null)
        {
            connection.ClearTimeout();
            lock (_lock)
            {
                if (!_disposed)
                {
                    // A waiter takes it over directly: one lease ends and another begins, Outstanding is unchanged.
                    while (_waiters.TryDequeue(out var waiter))
                    {
                        if (waiter.TrySetResult(connection))
                        {
                            return;
                        }
                    }

                    if (_idleCount < _idle.Length)
                    {
                        _idle[_idleCount++] = new IdleConnection(connection, _time.GetTimestamp());
                        Interlocked.Decrement(ref _outstanding);
                        return;
                    }
                }
            }
        }
        else if (string.Equals(reason, UnsolicitedBytes, StringComparison.Ordinal))
        {
            // Bytes after a complete response are an answer to something no user of this connection sent
            // (a smuggled or desynced request): the next request's user would read them as its response.
            Interlocked.Increment(ref _unsolicitedBytes);
            UpstreamLog.UnsolicitedBytes(_logger, _cluster, connection.Id, Address);
        }

        Interlocked.Decrement(ref _outstanding);
        Discard(connection, reason ?? "pool full");
    }

    /// <summary>The exchange succeeded: the consecutive-failure count starts over.</summary>
    public void ReportSuccess()
    {
        if (Volatile.Read(ref _consecutiveFailures) != 0)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0);
        }
    }

    /// <summary>Connect failure, reset, timeout or bad response: after enough in a row the endpoint is ejected for a while.</summary>
    public void ReportFailure()
    {
        var threshold = _options.EjectAfterConsecutiveFailures;
        if (threshold <= 0)
        {
            return;
        }

        // Only the caller that resets the count from >= threshold ejects (and logs) once.
        if (Interlocked.Increment(ref _consecutiveFailures) >= threshold
            && Interlocked.Exchange(ref _consecutiveFailures, 0) >= threshold)
        {
            Volatile.Write(ref _ejectedUntil, _time.GetTimestamp() + _ejectionTicks);
            Interlocked.Increment(ref _ejections);
            UpstreamLog.EndpointEjected(_logger, _cluster, Address, _options.EjectionDuration, threshold);
        }
    }

    /// <summary>How many times this endpoint was ejected since it was created (a counter for metrics).</summary>
    public long Ejections => Volatile.Read(ref _ejections);

    public override string ToString() => Name;

    /// <summary>
    /// Closes idle connections past the idle timeout or closed by the upstream, and half of those that no
    /// request took since the last sweep (oldest first; the cluster's timer calls this every second).
    /// The halving lets a pool grown by a burst shrink back within seconds once the burst is over, as
    /// HAProxy's pool-purge-delay does, while a steady load keeps every connection it uses, and a single
    /// idle connection (half of one is none) stays for the next request until the idle timeout.
    /// </summary>
    internal void Sweep()
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

    internal async ValueTask DisposeAsync()
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
            _idleCount = 0;
            while (_waiters.TryDequeue(out var waiter))
            {
                waiter.TrySetException(new ObjectDisposedException(nameof(UpstreamCluster)));
            }
        }

        foreach (var entry in idle)
        {
            await entry.Connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Null when nothing is readable on <paramref name="connection"/>, else why it must not carry another
    /// request. On an HTTP/1.1 connection between exchanges nothing may be readable: a FIN or an error
    /// means the upstream closed it; bytes mean it sent something no request asked for (a 408, or the
    /// response to a smuggled second request) that the next request's user would read as its own response.
    /// Looks at the kernel first (poll(2), then FIONREAD to tell bytes from a close), then at what the
    /// reader already took in: a byte moving from the socket to the reader in between is seen by the
    /// first look. Two syscalls, no allocation.
    /// </summary>
    private static string? WhyNotReusable(TransportConnection connection)
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
            if (connection is SocketConnection { Socket: var socket } && socket.Poll(0, SelectMode.SelectRead))
            {
                return socket.Available > 0 ? UnsolicitedBytes : ClosedByUpstream;
            }

            if (connection.Input.TryRead(out var result))
            {
                var any = !result.Buffer.IsEmpty;
                connection.Input.AdvanceTo(result.Buffer.Start);
                return any ? UnsolicitedBytes : result.IsCompleted ? ClosedByUpstream : "read cancelled";
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
        UpstreamLog.QueueFull(_logger, _cluster, Address, _options.MaxConnectionsPerEndpoint, pending);
        throw new UpstreamQueueFullException($"All {_options.MaxConnectionsPerEndpoint} connections to {Address} are busy and {pending} requests already wait for one.");
    }

    private async ValueTask<UpstreamLease> ConnectNewAsync(CancellationToken ct)
    {
        TransportConnection connection;
        try
        {
            connection = await _options.Connector.ConnectAsync(Address, _options.ConnectTimeout, ct);
        }
        catch
        {
            ReleaseSlot();
            throw;
        }

        UpstreamLog.ConnectionOpened(_logger, _cluster, connection.Id, Address);
        Interlocked.Increment(ref _outstanding);
        return new UpstreamLease(connection, isReused: false, this);
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
                gaveUp = _waiters.Remove(waiter) && waiter.TrySetCanceled(CancellationToken.None);
            }

            if (gaveUp)
            {
                if (ex is TimeoutException)
                {
                    UpstreamLog.PoolExhausted(_logger, _cluster, Address, _options.MaxConnectionsPerEndpoint);
                    throw new UpstreamPoolExhaustedException($"All {_options.MaxConnectionsPerEndpoint} connections to {Address} stayed busy for {_options.ConnectTimeout}.", ex);
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

        return new UpstreamLease(handed, isReused: true, this);
    }

    private void Discard(TransportConnection connection, string reason)
    {
        UpstreamLog.PooledConnectionDiscarded(_logger, _cluster, connection.Id, Address, reason);
        ReleaseSlot();
        _ = DisposeQuietlyAsync(connection);
    }

    /// <summary>One open connection fewer: the slot goes to the first live waiter, or back to the count.</summary>
    private void ReleaseSlot()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                while (_waiters.TryDequeue(out var waiter))
                {
                    if (waiter.TrySetResult(null))
                    {
                        return;
                    }
                }
            }

            _open--;
        }
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

    private static long ToTimestampTicks(TimeSpan span, TimeProvider time) =>
        span <= TimeSpan.Zero ? 0 : (long)(span.TotalSeconds * time.TimestampFrequency);
}
