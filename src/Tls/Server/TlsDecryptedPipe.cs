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
/// </summary>
internal sealed class TlsDecryptedPipe : ISecureDuplexPipe
{
    // Read at least this much per SslStream read: a whole TLS record's plain text (RFC 8446 §5.1: at most 2^14 bytes).
    private const int MinimumReadSize = 4096;

    private readonly TransportConnection _connection;
    private readonly SslStream _ssl;
    private readonly Pipe _fromPeer;
    private readonly TlsEncryptingWriter _toPeer;
    private Task _reading = Task.CompletedTask;

    public TlsDecryptedPipe(TransportConnection connection, SslStream ssl, ConnectionSecurity security, MemoryPool<byte> pool)
    {
        _connection = connection;
        _ssl = ssl;
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
    /// and stops reading from the socket.
    /// </summary>
    public async Task StopAsync()
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
