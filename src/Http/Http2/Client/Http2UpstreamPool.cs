using FastProxy.Core.Upstream;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Http2.Client;

/// <summary>
/// One HTTP/2 endpoint's streams (<see cref="IHttp2UpstreamStreamSource"/>): a few shared connections, each filled up to
/// its stream limit before another is opened (up to <see cref="UpstreamPoolOptions.MaxConnectionsPerEndpoint"/> and
/// the cluster breaker); one connect in flight at a time serves every waiter; waiters are bounded in number and time.
/// Connections that received GOAWAY drain and leave; the sweep pings quiet ones and closes idle ones.
/// </summary>
internal sealed class Http2UpstreamPool : IHttp2UpstreamStreamSource, IHttp2UpstreamConnectionOwner
{
    private static readonly TimeSpan ConnectGrace = TimeSpan.FromSeconds(1);

    private readonly MultiplexedPoolContext _context;
    private readonly UpstreamPoolOptions _poolOptions;
    private readonly Http2UpstreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _endpoint;
    private readonly Lock _lock = new();
    private readonly List<Http2UpstreamConnection> _connections = [];
    private readonly List<Http2UpstreamConnection> _sweepList = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connecting;
    private long _connectGeneration;
    private long _failedGeneration = -1;
    private UpstreamConnectException? _lastConnectError;
    private int _waiting;
    private int _pending;
    private int _activeStreams;
    private bool _disposed;

    public Http2UpstreamPool(MultiplexedPoolContext context, Http2UpstreamOptions options)
    {
        _context = context;
        _poolOptions = context.Options;
        _options = options;
        _time = context.Time;
        _logger = context.Logger;
        _endpoint = context.Endpoint.Name;
    }

    public int OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count + _connecting;
            }
        }
    }

    public int ActiveStreams => Volatile.Read(ref _activeStreams);

    public int PendingRequests => Volatile.Read(ref _pending);

    public ValueTask<IHttp2UpstreamStream> OpenStreamAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                // A request that outlived its configuration's retirement: 503, never an unexpected exception.
                throw new UpstreamClusterRetiredException();
            }

            if (TryReserveLocked(out var stream))
            {
                return new ValueTask<IHttp2UpstreamStream>(stream);
            }
        }

        return OpenSlowAsync(ct);
    }

    public void Sweep()
    {
        lock (_lock)
        {
            _sweepList.Clear();
            _sweepList.AddRange(_connections);
        }

        foreach (var connection in _sweepList)
        {
            connection.Sweep(_poolOptions.IdleTimeout);
        }

        _sweepList.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        Http2UpstreamConnection[] connections;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connections = [.. _connections];
            SignalLocked();
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    void IHttp2UpstreamConnectionOwner.OnStreamReturned(Http2UpstreamConnection connection)
    {
        Interlocked.Decrement(ref _activeStreams);
        _context.RequestEnded();
        if (connection.IsDraining && connection.ActiveStreams == 0 && !connection.IsClosed)
        {
            // The last stream of a drained connection: close it now rather than at the next sweep.
            _ = connection.DisposeAsync().AsTask();
        }

        lock (_lock)
        {
            SignalLocked();
        }
    }

    void IHttp2UpstreamConnectionOwner.OnRoomChanged(Http2UpstreamConnection connection)
    {
        lock (_lock)
        {
            SignalLocked();
        }
    }

    void IHttp2UpstreamConnectionOwner.OnDraining(Http2UpstreamConnection connection)
    {
        if (connection.ActiveStreams == 0)
        {
            _ = connection.DisposeAsync().AsTask();
        }

        lock (_lock)
        {
            SignalLocked();
        }
    }

    void IHttp2UpstreamConnectionOwner.OnClosed(Http2UpstreamConnection connection)
    {
        bool removed;
        lock (_lock)
        {
            removed = _connections.Remove(connection);
            SignalLocked();
        }

        if (removed)
        {
            _context.ConnectionClosed();
        }
    }

    private bool TryReserveLocked(out Http2UpstreamStream stream)
    {
        foreach (var connection in _connections)
        {
            if (connection.TryReserve(out stream))
            {
                Interlocked.Increment(ref _activeStreams);
                _context.RequestStarted();
                return true;
            }
        }

        stream = null!;
        return false;
    }

    /// <summary>Every connection is full (or there is none): start a connect if allowed, then wait for room.</summary>
    private async ValueTask<IHttp2UpstreamStream> OpenSlowAsync(CancellationToken ct)
    {
        var deadline = _time.GetTimestamp();
        var pending = false;
        var observedConnect = -1L;

        // The request that starts a connect waits for it without counting as pending (as the HTTP/1.1 pool's connector does).
        var starter = false;
        lock (_lock)
        {
            _waiting++;
        }

        try
        {
            while (true)
            {
                Task changed;
                bool connectInFlight;
                CircuitBreakerLimit? refused = null;
                var queueFull = -1;
                lock (_lock)
                {
                    if (_disposed)
                    {
                        throw new UpstreamClusterRetiredException();
                    }

                    if (TryReserveLocked(out var stream))
                    {
                        return stream;
                    }

                    if (observedConnect >= 0 && _failedGeneration >= observedConnect && _lastConnectError is { } failed)
                    {
                        // The connect this request waited for failed and nothing else has room: nothing reached an upstream.
                        throw new UpstreamConnectException(failed.Endpoint ?? _context.Address, failed.IsTimeout, failed.Message, failed);
                    }

                    if (_connecting == 0 && _connections.Count < _poolOptions.MaxConnectionsPerEndpoint)
                    {
                        if (_context.TryOpenConnection())
                        {
                            _connecting++;
                            _connectGeneration++;
                            starter = true;
                            _ = ConnectAsync(_connectGeneration);
                        }
                        else if (_connections.Count == 0)
                        {
                            // At the cluster's connection limit with no connection of ours: no release here could help.
                            refused = CircuitBreakerLimit.MaxConnections;
                        }
                    }

                    if (_connecting > 0 && observedConnect < 0)
                    {
                        observedConnect = _connectGeneration;
                    }

                    if (!pending && !starter && refused is null)
                    {
                        if (_pending >= _poolOptions.EffectiveMaxPendingRequests)
                        {
                            queueFull = _pending;
                        }
                        else if (!_context.TryAddPending())
                        {
                            refused = CircuitBreakerLimit.MaxPendingRequests;
                        }
                        else
                        {
                            _pending++;
                            pending = true;
                        }
                    }

                    changed = _changed.Task;
                    connectInFlight = _connecting > 0 && observedConnect == _connectGeneration;
                }

                if (refused is { } limit)
                {
                    _context.ThrowBreakerOpen(limit);
                }

                if (queueFull >= 0)
                {
                    Http2UpstreamLog.QueueFull(_logger, _context.ClusterName, _endpoint, queueFull);
                    throw new UpstreamQueueFullException($"Every HTTP/2 connection to {_endpoint} is full and {queueFull} requests already wait for a stream.");
                }

                // A connect this request waits for ends by itself within the connect timeout (then its error is the answer):
                // a short grace lets that error, not a pool timeout, reach the caller.
                var remaining = _poolOptions.ConnectTimeout - _time.GetElapsedTime(deadline) + (connectInFlight ? ConnectGrace : TimeSpan.Zero);
                try
                {
                    if (remaining <= TimeSpan.Zero)
                    {
                        throw new TimeoutException();
                    }

                    await changed.WaitAsync(remaining, _time, ct).ConfigureAwait(false);
                }
                catch (TimeoutException ex)
                {
                    Http2UpstreamLog.PoolExhausted(_logger, _context.ClusterName, _endpoint, _poolOptions.ConnectTimeout);
                    throw new UpstreamPoolExhaustedException($"No HTTP/2 stream to {_endpoint} became free within {_poolOptions.ConnectTimeout}.", ex);
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _waiting--;
                if (pending)
                {
                    _pending--;
                }
            }

            if (pending)
            {
                _context.PendingRemoved();
            }
        }
    }

    /// <summary>Opens one connection (connector, then HTTP/2 preface and SETTINGS) and wakes the waiters either way.</summary>
    private async Task ConnectAsync(long generation)
    {
        await Task.Yield();
        var startedAt = _time.GetTimestamp();
        Http2UpstreamConnection? connection = null;
        try
        {
            var transport = await _poolOptions.Connector.ConnectAsync(_context.Address, _poolOptions.ConnectTimeout, CancellationToken.None).ConfigureAwait(false);
            connection = new Http2UpstreamConnection(transport, _options, _time, _logger, _context.ClusterName, _endpoint, this);
            // The connect timeout bounds the whole connect: TCP (and TLS) plus the HTTP/2 preface and SETTINGS.
            var left = _poolOptions.ConnectTimeout - _time.GetElapsedTime(startedAt);
            await connection.StartAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), CancellationToken.None).ConfigureAwait(false);
            bool disposed;
            lock (_lock)
            {
                _connecting--;
                disposed = _disposed;
                if (!disposed)
                {
                    _connections.Add(connection);
                }

                SignalLocked();
            }

            if (disposed)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                _context.ConnectionClosed();
            }
        }
        catch (Exception ex)
        {
            var error = ex as UpstreamConnectException ?? new UpstreamConnectException(_context.Address, isTimeout: false, $"HTTP/2 upstream {_endpoint}: {ex.Message}", ex);
            lock (_lock)
            {
                _connecting--;
                _lastConnectError = error;
                _failedGeneration = generation;
                SignalLocked();
            }

            _context.ConnectionClosed();
        }
    }

    /// <summary>Wakes every waiter to look again (they re-check under the lock); allocates only when someone waits.</summary>
    private void SignalLocked()
    {
        if (_waiting == 0)
        {
            return;
        }

        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
