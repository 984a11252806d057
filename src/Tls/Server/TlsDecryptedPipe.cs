using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using FastProxy.Core.Transport;

namespace FastProxy.Tls.Server;

/// <summary>
/// The plain-text side of a TLS connection, put on top of it with <see cref="TransportConnection.UsePipe"/>. Input: a
/// pump reads SslStream (over the socket's pipe) into a <see cref="Pipe"/> the protocol handler reads; its inline
/// scheduler hands a decrypted record to the waiting handler on the same thread. Output: the handler's flush encrypts
/// straight into the socket's writer on its own thread (<see cref="TlsEncryptingWriter"/>), as with the socket's pipe.
/// <para>
/// Stopping (<see cref="StopAsync"/>, once, whoever asks first) sends what the handler left unflushed and close_notify,
/// then ends the pump. The connection asks too when it is disposed (<see cref="IAsyncDisposable"/>, see
/// <see cref="TransportConnection.UsePipe"/>): a handler that closes its connection itself (HTTP/1.1 after
/// <c>Connection: close</c>, an idle timeout) closes the TLS layer first, while the socket can still carry close_notify
/// and before the pump's pending read loses the socket under it.
/// </para>
/// </summary>
internal sealed class TlsDecryptedPipe : ISecureDuplexPipe, IAsyncDisposable
{
    // Read at least this much per SslStream read: a whole TLS record's plain text (RFC 8446 §5.1: at most 2^14 bytes).
    private const int MinimumReadSize = 4096;

    // As long as the socket's own close waits for unsent bytes (SocketConnectionOptions.CloseTimeout's default): a peer
    // that stopped reading must not keep a closing connection, its buffers and SslStream alive for good.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly TransportConnection _connection;
    private readonly SslStream _ssl;
    private readonly TimeProvider _time;
    private readonly Pipe _fromPeer;
    private readonly TlsEncryptingWriter _toPeer;
    private Task _reading = Task.CompletedTask;
    private Task? _stopping;

    public TlsDecryptedPipe(TransportConnection connection, SslStream ssl, ConnectionSecurity security, MemoryPool<byte> pool, TimeProvider time)
    {
        _connection = connection;
        _ssl = ssl;
        _time = time;
        Security = security;
        var options = new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, useSynchronizationContext: false);
        _fromPeer = new Pipe(options);
        _toPeer = new TlsEncryptingWriter(connection, ssl);
    }

    public PipeReader Input => _fromPeer.Reader;

    public PipeWriter Output => _toPeer;

    public ConnectionSecurity Security { get; }

    public void Start()
    {
        _reading = ReadFromPeerAsync();
    }

    /// <summary>
    /// After the protocol handler returned: sends what it wrote, then close_notify (unless the connection was aborted),
    /// and stops reading from the socket. Idempotent: every caller gets the one stop.
    /// </summary>
    public Task StopAsync()
    {
        if (Volatile.Read(ref _stopping) is { } running)
        {
            return running;
        }

        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _stopping, stopped.Task, null) is { } other)
        {
            return other;
        }

        _ = StopOnceAsync(stopped);
        return stopped.Task;
    }

    /// <summary>
    /// <see cref="StopAsync"/> within <see cref="StopTimeout"/>; past it the connection is reset, which ends the send
    /// and the pump at once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var stopping = StopAsync();
        try
        {
            await stopping.WaitAsync(StopTimeout, _time);
        }
        catch (TimeoutException)
        {
            _connection.Abort();
            await stopping;
        }
    }

    private async Task StopOnceAsync(TaskCompletionSource stopped)
    {
        try
        {
            await StopCoreAsync();
            stopped.SetResult();
        }
#pragma warning disable CA1031 // handed to every caller of StopAsync
        catch (Exception ex)
#pragma warning restore CA1031
        {
            stopped.SetException(ex);
        }
    }

    private async Task StopCoreAsync()
    {
        await _toPeer.CompleteAsync();
        await _toPeer.FlushRemainderAsync();
        if (_toPeer.IsHealthy && !_connection.IsAborted && !_connection.IsInputEnded)
        {
            try
            {
                await _ssl.ShutdownAsync();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer is gone; the connection closes anyway.
            }
        }

        await _fromPeer.Reader.CompleteAsync();
        _connection.TransportInput.CancelPendingRead();
        await _reading;
    }

    private async Task ReadFromPeerAsync()
    {
        var writer = _fromPeer.Writer;
        try
        {
            while (true)
            {
                // Wait for a record without holding a buffer: an idle keep-alive connection keeps none.
                _ = await _ssl.ReadAsync(Memory<byte>.Empty);
                var memory = writer.GetMemory(MinimumReadSize);
                var read = await _ssl.ReadAsync(memory);
                if (read == 0)
                {
                    break;
                }

                writer.Advance(read);
                var flushed = await writer.FlushAsync();
                if (flushed.IsCompleted)
                {
                    break;
                }
            }

            await writer.CompleteAsync();
        }
#pragma warning disable CA1031 // whatever SslStream throws ends this connection's input; it must reach the handler, never go unobserved
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The protocol handler sees a broken input (as with a reset socket), never a clean end of a cut stream.
            await writer.CompleteAsync(ex as IOException ?? new IOException("TLS input failed: " + ex.Message, ex));
        }
    }
}
