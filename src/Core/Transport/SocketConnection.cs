using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Logging;
using FastProxy.Core.Transport.Epoll;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Transport;

/// <summary>
/// One TCP connection as a duplex pipe (Kestrel's SocketConnection, simplified). <see cref="TransportInput"/>
/// is fed straight from the socket (<see cref="SocketPipeReader"/>: a zero-byte receive waits while the
/// peer is silent, so an idle connection holds no buffer); <see cref="TransportOutput"/> sends straight to the
/// socket when flushed (<see cref="SocketPipeWriter"/>). No pipes, no loop tasks: an idle connection is
/// the socket, one armed receive and two small objects. Blocks are leased only while bytes are in flight.
/// </summary>
public sealed partial class SocketConnection : TransportConnection
{
    private const int StateAborted = 1;
    private const int StateDisposed = 2;

    private readonly Socket _socket;
    private readonly SocketConnectionOptions _options;
    private readonly SocketPipeReader _input;
    private readonly SocketPipeWriter _output;
    private readonly bool _lingerOnClose;
    private IPEndPoint? _remoteEndPoint;
    // Aborted | Disposed, set once each (Interlocked.Or): one int rather than two keeps an idle connection as small as
    // before the transport seam added its two references (top pipe, listener facts).
    private int _state;

    private SocketConnection(Socket socket, SocketConnectionOptions options, bool lingerOnClose, ListenerInfo? listener)
        : base(options.Heartbeat, listener)
    {
        _lingerOnClose = lingerOnClose;
        _socket = socket;
        _options = options;
        if (options.NoDelay)
        {
            socket.NoDelay = true;
        }

        // Non-blocking: the reader drains with non-blocking receives after each zero-byte wait. On the
        // epoll engine the descriptor is set directly and sent to / received from with send/recv
        // (SocketSyscalls): .NET's Blocking = false would give every socket an async context it never uses.
        UsesSyscalls = options.Epoll is not null;
        if (UsesSyscalls)
        {
            SocketSyscalls.SetNonBlocking(socket);
        }
        else
        {
            socket.Blocking = false;
        }

        _input = new SocketPipeReader(this, socket, options);
        _output = new SocketPipeWriter(this, options.Pool);
        StartDeadlines();
        _input.Start();
    }

    /// <summary>
    /// The socket's bytes. <c>IsCompleted</c> after FIN; a reset throws <see cref="ConnectionResetException"/>,
    /// an abort <see cref="ConnectionAbortedException"/>; <c>IsCanceled</c> after a deadline while no pipe is on top.
    /// </summary>
    public override PipeReader TransportInput => _input;

    /// <summary>
    /// Sends on <c>FlushAsync</c> (no intermediate pipe): the flush completes when the kernel took the
    /// bytes; <c>IsCompleted</c> means the peer can no longer receive (reset or aborted).
    /// </summary>
    public override PipeWriter TransportOutput => _output;

    public override IPEndPoint? RemoteEndPoint => _remoteEndPoint ??= TryGetEndPoint(remote: true);

    /// <summary>Asked of the socket at each call (nothing on the hot path reads it; null once the socket is closed).</summary>
    public override IPEndPoint? LocalEndPoint => TryGetEndPoint(remote: false);

    /// <summary>True once the peer closed its side (FIN), reset, or the connection was aborted: no more input will come.</summary>
    public override bool IsInputEnded => _input.IsEnded;

    public override void OnInputFailed(Action<object?>? callback, object? state) => _input.OnInputFailed(callback, state);

    /// <summary>True after <see cref="Abort"/>.</summary>
    public override bool IsAborted => (Volatile.Read(ref _state) & StateAborted) != 0;

    internal Socket Socket => _socket;

    /// <summary>
    /// A mark for <see cref="InputCaughtUpWith"/>, or -1 when this connection cannot offer one (.NET's socket engine,
    /// or middleware such as TLS reads the socket, so the socket's bytes need not be in <see cref="TransportConnection.Input"/> yet).
    /// </summary>
    internal long InputProgressMark => InputIsTransport ? _input.EventProgressMark : -1;

    /// <summary>
    /// Whether <see cref="TransportConnection.Input"/> has taken in everything the kernel had received on the socket
    /// when <paramref name="mark"/> (from <see cref="InputProgressMark"/>) was taken: bytes, FIN or error. Then the
    /// reader alone answers "is anything there", with no syscall.
    /// </summary>
    internal bool InputCaughtUpWith(long mark) => InputIsTransport && _input.HasEventsBefore(mark);

    /// <summary>True on the epoll engine: send and receive through <see cref="SocketSyscalls"/>, not the Socket's own calls.</summary>
    internal bool UsesSyscalls { get; }

    protected internal override ILogger Logger => _options.Logger;

    /// <summary>
    /// Wraps a connected socket and arms its first receive. <paramref name="lingerOnClose"/>: server side
    /// (accepted) connections linger on close (<see cref="SocketConnectionOptions.LingerTimeout"/>); client side ones need not.
    /// </summary>
    internal static SocketConnection Create(Socket socket, SocketConnectionOptions options, bool lingerOnClose = true, ListenerInfo? listener = null) =>
        new(socket, options, lingerOnClose, listener);

    /// <summary>
    /// Immediate close: the socket is reset (linger 0, RST) and both loops end; a pending
    /// <see cref="TransportInput"/> read fails with <see cref="ConnectionAbortedException"/> and a pending
    /// <see cref="TransportOutput"/> flush completes.
    /// </summary>
    public override void Abort()
    {
        if ((Interlocked.Or(ref _state, StateAborted) & StateAborted) != 0)
        {
            return;
        }

        // First: a second Abort (say a flush deadline's, racing one from another thread) returns at once, and its
        // caller's DisposeAsync must find the output dead rather than flush it.
        _output.MarkDead();
        TransportLog.ConnectionAborted(_options.Logger, Id);
        try
        {
            // Linger 0 makes close send RST instead of FIN: the peer learns at once that nothing more comes.
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing to reset.
        }

        _socket.Dispose();

        // A waiting read fails now; a pending send fails with the socket.
        _input.OnAborted();
    }

    /// <summary>
    /// Graceful close: sends what was written but not flushed (up to
    /// <see cref="SocketConnectionOptions.CloseTimeout"/>, then aborts), shuts the send side down (FIN),
    /// on accepted connections lingers for the peer's FIN (<see cref="SocketConnectionOptions.LingerTimeout"/>),
    /// and closes the socket. Idempotent. Call it once the application is done with both pipes.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if ((Interlocked.Or(ref _state, StateDisposed) & StateDisposed) != 0)
        {
            return;
        }

        StopDeadlines();

        // A layer on top that the connection owns (TLS) sends its last bytes (close_notify) and stops its pump.
        await DisposeTopPipeAsync();
        _input.FailWaitingRead();

        // Send what the application wrote but did not flush, within the close timeout.
        if (!_output.IsDead && _output.HasUnsentBytes)
        {
            var flush = _output.FlushNowAsync();
            if (flush.IsCompleted)
            {
                await flush;
            }
            else
            {
                var pending = flush.AsTask();
                try
                {
                    await pending.WaitAsync(_options.CloseTimeout, _options.Time);
                }
                catch (TimeoutException)
                {
                    TransportLog.CloseTimedOut(_options.Logger, Id);
                    Abort();

                    // The send fails at once on the closed socket; wait so the buffers are released once.
                    await pending;
                }
            }
        }

        await _output.CompleteAsync();

        // Without a linger nothing more is read: stop receiving before the FIN goes out, so the peer's
        // answering FIN costs no buffer (idle upstream connections closed in bulk would otherwise rent a
        // block each, and keep IdleMemoryReclaimer from seeing the process idle).
        if (!_lingerOnClose)
        {
            await _input.CompleteAsync();
        }

        if (!IsAborted)
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
                if (_lingerOnClose && !_input.IsEnded && _options.LingerTimeout > TimeSpan.Zero)
                {
                    await LingerAsync();
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The peer is already gone.
            }
        }

        await _input.CompleteAsync();
        _socket.Dispose();
        _input.Dispose();

        // A send still in flight (a flush whose caller stopped waiting and aborted) owns its blocks until it ends,
        // promptly now that the socket is closed; returned earlier, they would carry another connection's bytes
        // while this send still reads them. Once it has ended, nothing but this close touches the writer.
        await _output.WhenSendsEndedAsync();

        // Whatever was written after the last flush (or left by a failed one) goes back to the pool.
        _output.ReleaseBuffers();
        _output.DropParked();

        TransportLog.ConnectionClosed(_options.Logger, Id);
    }

    /// <summary>
    /// RFC 9112 §9.6: having sent FIN, keep reading (and discarding) until the peer's FIN or the linger
    /// timeout, so that closing with unread bytes does not reset the connection under the response.
    /// </summary>
    private async ValueTask LingerAsync()
    {
        using var timeout = new CancellationTokenSource(_options.LingerTimeout, _options.Time);
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(timeout.Token);
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // Timed out, reset, or the application had completed the input: close now.
        }
    }

    /// <summary>Called by <see cref="SocketPipeWriter"/> when a send fails: the peer is gone.</summary>
    internal void OnSendFailed(Exception ex) => ClassifyError(ex, receiving: false);

    /// <summary>Called by <see cref="SocketPipeReader"/>: what a receive failure means for the application.</summary>
    internal Exception ClassifyReceiveError(Exception ex) => ClassifyError(ex, receiving: true);

    private Exception ClassifyError(Exception ex, bool receiving)
    {
        if ((Volatile.Read(ref _state) & (StateAborted | StateDisposed)) != 0)
        {
            // We closed the socket ourselves; whatever the socket reports is a consequence.
            return new ConnectionAbortedException("The connection was aborted.", ex);
        }

        if (ex is SocketException se && IsConnectionGone(se.SocketErrorCode))
        {
            TransportLog.ConnectionReset(_options.Logger, Id, se.SocketErrorCode);
            return new ConnectionResetException(se.Message, se);
        }

        TransportLog.ConnectionError(_options.Logger, Id, receiving ? "receive" : "send", ex);
        return ex is IOException ? ex : new ConnectionResetException(ex.Message, ex);
    }

    private static bool IsConnectionGone(SocketError error) => error is SocketError.ConnectionReset
        or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.OperationAborted
        or SocketError.Interrupted or SocketError.NotConnected or SocketError.TimedOut
        or SocketError.HostUnreachable or SocketError.NetworkReset or SocketError.NetworkDown;

    private IPEndPoint? TryGetEndPoint(bool remote)
    {
        try
        {
            return (remote ? _socket.RemoteEndPoint : _socket.LocalEndPoint) as IPEndPoint;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }
}
