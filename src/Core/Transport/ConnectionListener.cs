using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Transport;

/// <summary>
/// Accepts TCP connections on one or more endpoints (one accept loop each), caps how many are
/// served at once, runs each connection through its endpoint's pipeline (a <see cref="ConnectionHandler"/> built by
/// <see cref="ConnectionPipelineBuilder"/>: connection middleware, then the protocol handler), and shuts down
/// gracefully: stop accepting, signal <see cref="ShuttingDown"/>, drain, then abort what is left. Every connection
/// carries its endpoint's <see cref="ListenerInfo"/> (<see cref="TransportConnection.Listener"/>).
/// </summary>
public sealed class ConnectionListener : IAsyncDisposable
{
    private const int StateNew = 0;
    private const int StateStarted = 1;
    private const int StateStopping = 2;

    /// <summary>Pause after an unexpected accept error (e.g. EMFILE) so the loop does not spin.</summary>
    private static readonly TimeSpan AcceptErrorBackoff = TimeSpan.FromMilliseconds(100);

    private readonly ConnectionListenerOptions _options;
    private readonly ConnectionHandler[] _pipelines;
    private readonly ListenerInfo[] _listeners;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<long, TransportConnection> _connections = new();
    private readonly CancellationTokenSource _shutdownCts = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stopLock = new();
    private Socket[] _listenSockets = [];
    private Task[] _acceptLoops = [];
    private IPEndPoint[] _boundEndPoints = [];
    private Task? _stopTask;
    private int _state;
    private int _active;
    private int _atLimit;
    private readonly AddressConnectionCounts? _perAddress;
    private readonly AcceptRateLimiter? _acceptRate;
    private long _refusedPerAddress;
    private long _acceptsDelayed;
    private long _lastPerAddressLog;

    /// <summary>One pipeline (or bare protocol handler) for every endpoint.</summary>
    public ConnectionListener(ConnectionListenerOptions options, ConnectionHandler handler, ILogger logger)
        : this(options, Repeat(handler, options), logger)
    {
    }

    /// <summary>One pipeline per endpoint, in <see cref="ConnectionListenerOptions.Endpoints"/> order.</summary>
    public ConnectionListener(ConnectionListenerOptions options, IReadOnlyList<ConnectionHandler> pipelines, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipelines);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.MaxConnections < 1)
        {
            throw new ArgumentException("MaxConnections must be at least 1.", nameof(options));
        }

        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("At least one endpoint is required.", nameof(options));
        }

        if (pipelines.Count != options.Endpoints.Count)
        {
            throw new ArgumentException($"{options.Endpoints.Count} endpoints need as many pipelines, not {pipelines.Count}.", nameof(pipelines));
        }

        if (options.Listeners is { } listeners && listeners.Count != options.Endpoints.Count)
        {
            throw new ArgumentException($"{options.Endpoints.Count} endpoints need as many listener facts, not {listeners.Count}.", nameof(options));
        }

        _options = options;
        _pipelines = new ConnectionHandler[pipelines.Count];
        _listeners = new ListenerInfo[pipelines.Count];
        for (var i = 0; i < _pipelines.Length; i++)
        {
            _pipelines[i] = pipelines[i] ?? throw new ArgumentException($"Pipeline {i} is null.", nameof(pipelines));
            _listeners[i] = options.Listeners?[i] ?? ListenerInfo.Default(i, options.Endpoints[i]);
            if (Array.IndexOf(_listeners, _listeners[i], 0, i) >= 0)
            {
                // Each endpoint's connections find their pipeline by their ListenerInfo.
                throw new ArgumentException($"Endpoint {i} shares its ListenerInfo with another endpoint; each needs its own.", nameof(options));
            }
        }

        if (options.MaxConnectionsPerAddress < 0 || options.MaxAcceptsPerSecond < 0)
        {
            throw new ArgumentException("MaxConnectionsPerAddress and MaxAcceptsPerSecond must not be negative.", nameof(options));
        }

        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
        _perAddress = options.MaxConnectionsPerAddress > 0 ? new AddressConnectionCounts(options.MaxConnectionsPerAddress) : null;
        _acceptRate = options.MaxAcceptsPerSecond > 0 ? new AcceptRateLimiter(options.MaxAcceptsPerSecond, options.ConnectionOptions.Time) : null;
    }

    /// <summary>The addresses actually bound (real ports when port 0 was asked), in <see cref="ConnectionListenerOptions.Endpoints"/> order.</summary>
    public IReadOnlyList<IPEndPoint> BoundEndPoints => _boundEndPoints;

    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Connections closed at accept because their address already had <see cref="ConnectionListenerOptions.MaxConnectionsPerAddress"/> open.</summary>
    public long RefusedPerAddress => Volatile.Read(ref _refusedPerAddress);

    /// <summary>Accepts that waited for the <see cref="ConnectionListenerOptions.MaxAcceptsPerSecond"/> rate.</summary>
    public long AcceptsDelayed => Volatile.Read(ref _acceptsDelayed);

    /// <summary>Fires when <see cref="StopAsync"/> begins; also passed to every handler.</summary>
    public CancellationToken ShuttingDown => _shutdownCts.Token;

    /// <summary>Binds every endpoint and starts accepting. Throws <see cref="IOException"/> naming the address that cannot be bound.</summary>
    public Task StartAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (Interlocked.CompareExchange(ref _state, StateStarted, StateNew) != StateNew)
        {
            throw new InvalidOperationException("The listener was already started.");
        }

        var endpoints = _options.Endpoints;
        var sockets = new Socket[endpoints.Count];
        var bound = new IPEndPoint[endpoints.Count];
        try
        {
            for (var i = 0; i < endpoints.Count; i++)
            {
                sockets[i] = Bind(endpoints[i], endpoints, _options.Backlog);
                bound[i] = (IPEndPoint)sockets[i].LocalEndPoint!;
            }
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }

            throw;
        }

        _listenSockets = sockets;
        _boundEndPoints = bound;
        var loops = new Task[sockets.Length];
        for (var i = 0; i < sockets.Length; i++)
        {
            TransportLog.ListenerStarted(_logger, bound[i]);
            loops[i] = AcceptLoopAsync(sockets[i], bound[i], i);
        }

        _acceptLoops = loops;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting, fires <see cref="ShuttingDown"/> (idle keep-alive connections are woken with
    /// <see cref="TimeoutReason.Drain"/>), waits up to <paramref name="drainTimeout"/> for handlers
    /// to finish, aborts the rest, and returns when every handler has ended. Idempotent.
    /// </summary>
    public Task StopAsync(TimeSpan drainTimeout)
    {
        lock (_stopLock)
        {
            return _stopTask ??= StopCoreAsync(drainTimeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        _shutdownCts.Dispose();
        _slots.Dispose();
    }

    private async Task StopCoreAsync(TimeSpan drainTimeout)
    {
        var wasStarted = Interlocked.Exchange(ref _state, StateStopping) == StateStarted;
        TransportLog.ShutdownStarted(_logger, ActiveConnections, drainTimeout);
        await _shutdownCts.CancelAsync();
        foreach (var socket in _listenSockets)
        {
            socket.Dispose();
        }

        if (wasStarted)
        {
            await Task.WhenAll(_acceptLoops);
        }

        // No accept loop runs now, so the set of connections only shrinks from here.
        foreach (var connection in _connections.Values)
        {
            connection.BeginDrain();
        }

        if (ActiveConnections == 0)
        {
            _drained.TrySetResult();
        }

        try
        {
            await _drained.Task.WaitAsync(drainTimeout, _options.ConnectionOptions.Time, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            TransportLog.DrainTimedOut(_logger, ActiveConnections);
            foreach (var connection in _connections.Values)
            {
                connection.Abort();
            }

            await _drained.Task;
        }
    }

    private static Socket Bind(IPEndPoint endpoint, IReadOnlyList<IPEndPoint> all, int backlog)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // [::] also takes IPv4 (mapped) unless an explicit IPv4 wildcard on the same port is listed too.
                socket.DualMode = endpoint.Address.Equals(IPAddress.IPv6Any) && !HasIPv4Any(all, endpoint.Port);
            }

            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            var what = ex.SocketErrorCode == SocketError.AddressAlreadyInUse ? "the address is already in use" : ex.SocketErrorCode.ToString();
            throw new IOException($"Cannot listen on {endpoint}: {what}.", ex);
        }
    }

    private static bool HasIPv4Any(IReadOnlyList<IPEndPoint> all, int port)
    {
        foreach (var endpoint in all)
        {
            if (endpoint.Address.Equals(IPAddress.Any) && endpoint.Port == port && port != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The pipeline of the endpoint that accepted <paramref name="connection"/> (found by its listener facts: a handful of endpoints).</summary>
    private ConnectionHandler PipelineFor(TransportConnection connection)
    {
        var listeners = _listeners;
        for (var i = 0; i < listeners.Length; i++)
        {
            if (ReferenceEquals(listeners[i], connection.Listener))
            {
                return _pipelines[i];
            }
        }

        throw new InvalidOperationException($"Connection {connection.Id} was not accepted by this listener.");
    }

    private static ConnectionHandler[] Repeat(ConnectionHandler handler, ConnectionListenerOptions options)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        return Enumerable.Repeat(handler, options.Endpoints.Count).ToArray();
    }

    private async Task AcceptLoopAsync(Socket listenSocket, IPEndPoint endpoint, int index)
    {
        var ct = _shutdownCts.Token;
        while (!ct.IsCancellationRequested)
        {
            // Take a slot before accepting: at the cap, new connections wait in the kernel backlog.
            if (!_slots.Wait(0, CancellationToken.None))
            {
                if (Interlocked.Exchange(ref _atLimit, 1) == 0)
                {
                    TransportLog.ConnectionLimitReached(_logger, _options.MaxConnections);
                }

                try
                {
                    await _slots.WaitAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (Interlocked.Exchange(ref _atLimit, 0) == 1)
                {
                    TransportLog.ConnectionLimitResumed(_logger, ActiveConnections);
                }
            }

            if (_acceptRate?.Take() is { } wait && wait > TimeSpan.Zero)
            {
                Interlocked.Increment(ref _acceptsDelayed);
                try
                {
                    await Task.Delay(wait, _options.ConnectionOptions.Time, ct);
                }
                catch (OperationCanceledException)
                {
                    _slots.Release();
                    return;
                }
            }

            Socket accepted;
            try
            {
                accepted = await listenSocket.AcceptAsync(ct);
            }
            catch (Exception ex) when (ct.IsCancellationRequested || ex is ObjectDisposedException)
            {
                _slots.Release();
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                // The client gave up while in the backlog; nothing to serve.
                _slots.Release();
                continue;
            }
#pragma warning disable CA1031 // the accept loop must survive anything (EMFILE, ENOBUFS): log, back off, go on
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _slots.Release();
                TransportLog.AcceptFailed(_logger, endpoint, ex);
                try
                {
                    await Task.Delay(AcceptErrorBackoff, _options.ConnectionOptions.Time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            StartConnection(accepted, endpoint, index);
        }
    }

    private void StartConnection(Socket accepted, IPEndPoint endpoint, int index)
    {
        SocketConnection connection;
        try
        {
            connection = SocketConnection.Create(accepted, _options.ConnectionOptions, lingerOnClose: true, _listeners[index]);
        }
#pragma warning disable CA1031 // a socket that fails setup (e.g. reset before NoDelay) is dropped, the loop goes on
        catch (Exception ex)
#pragma warning restore CA1031
        {
            accepted.Dispose();
            _slots.Release();
            TransportLog.AcceptFailed(_logger, endpoint, ex);
            return;
        }

        if (_perAddress is not null && connection.TransportRemoteAddress is { } address && !_perAddress.TryAdd(address))
        {
            RefuseOverAddressLimit(connection, address);
            return;
        }

        Interlocked.Increment(ref _active);
        _connections[connection.Id] = connection;
        TransportLog.ConnectionAccepted(_logger, connection.Id, connection.RemoteEndPoint);

        // Run the handler off the accept loop so a handler's synchronous prefix never delays accepting.
        ThreadPool.UnsafeQueueUserWorkItem(
            static state => _ = state.Listener.RunConnectionAsync(state.Connection),
            (Listener: this, Connection: connection),
            preferLocal: false);
    }

    private async Task RunConnectionAsync(TransportConnection connection)
    {
        try
        {
            // Looked up here rather than passed in: a parameter would live in this frame, which every idle connection keeps.
            await PipelineFor(connection)(connection, _shutdownCts.Token);
        }
#pragma warning disable CA1031 // a failing handler must cost one connection, never the listener or the process
        catch (Exception ex)
#pragma warning restore CA1031
        {
            TransportLog.HandlerFailed(_logger, connection.Id, ex);

            // Its state is unknown (maybe a half-written response): reset rather than close cleanly.
            connection.Abort();
        }
        finally
        {
            if (_perAddress is not null && connection.TransportRemoteAddress is { } address)
            {
                _perAddress.Remove(address);
            }

            await connection.DisposeAsync();
            _connections.TryRemove(connection.Id, out _);
            _slots.Release();
            if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _state) == StateStopping)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>Closes a connection over the per-address limit at once (a reset: nothing was read or written on it).</summary>
    private void RefuseOverAddressLimit(SocketConnection connection, System.Net.IPAddress address)
    {
        Interlocked.Increment(ref _refusedPerAddress);
        var now = _options.ConnectionOptions.Time.GetTimestamp();
        var last = Volatile.Read(ref _lastPerAddressLog);
        if ((last == 0 || _options.ConnectionOptions.Time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1))
            && Interlocked.CompareExchange(ref _lastPerAddressLog, now, last) == last)
        {
            TransportLog.PerAddressLimitReached(_logger, address, _options.MaxConnectionsPerAddress, RefusedPerAddress);
        }

        connection.Abort();
        _ = connection.DisposeAsync().AsTask();
        _slots.Release();
    }
}
