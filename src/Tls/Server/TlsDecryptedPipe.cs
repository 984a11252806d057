using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Runtime.CompilerServices;
using FastProxy.Core.Transport;

namespace FastProxy.Tls.Server;

/// <summary>
/// The plain-text side of a TLS connection, put on top of it with <see cref="TransportConnection.UsePipe"/>: two pumps
/// move bytes between SslStream (over the socket's pipe) and a pair of <see cref="Pipe"/>s the protocol handler uses.
/// Inline schedulers: a record decrypted by the read pump is handed to the waiting handler on the same thread, and a
/// handler's flush encrypts and sends on its own thread, as with the socket's pipe, without a thread hop.
/// </summary>
internal sealed class TlsDecryptedPipe : ISecureDuplexPipe
{
    // Read at least this much per SslStream read: a whole TLS record's plain text (RFC 8446 §5.1: at most 2^14 bytes).
    private const int MinimumReadSize = 4096;

    // Multi-segment writes are copied into one buffer of up to a record so one flush carries them.
    private const int MaxRecordPlaintext = 16 * 1024;

    private readonly TransportConnection _connection;
    private readonly SslStream _ssl;
    private readonly Pipe _fromPeer;
    private readonly Pipe _toPeer;
    private Task _reading = Task.CompletedTask;
    private Task _writing = Task.CompletedTask;

    public TlsDecryptedPipe(TransportConnection connection, SslStream ssl, ConnectionSecurity security, MemoryPool<byte> pool)
    {
        _connection = connection;
        _ssl = ssl;
        Security = security;
        var options = new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, useSynchronizationContext: false);
        _fromPeer = new Pipe(options);
        _toPeer = new Pipe(options);
    }

    public PipeReader Input => _fromPeer.Reader;

    public PipeWriter Output => _toPeer.Writer;

    public ConnectionSecurity Security { get; }

    public void Start()
    {
        _reading = ReadFromPeerAsync();
        _writing = WriteToPeerAsync();
    }

    /// <summary>
    /// After the protocol handler returned: sends what it wrote, then close_notify (unless the connection was aborted),
    /// and stops reading from the socket.
    /// </summary>
    public async Task StopAsync()
    {
        await _toPeer.Writer.CompleteAsync();
        await _writing;
        if (!_connection.IsAborted && !_connection.IsInputEnded)
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

    private async Task WriteToPeerAsync()
    {
        var reader = _toPeer.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await WriteAsync(buffer);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
#pragma warning disable CA1031 // whatever SslStream throws ends this connection's output; never unobserved
        catch (Exception)
#pragma warning restore CA1031
        {
            // The handler failed its output (Complete with an exception) or the peer is gone: the peer must see a
            // broken stream, as with the socket's own writer.
            // Aborting also fails the socket's input, so the read pump ends and a handler waiting for input wakes.
            _connection.Abort();
        }

        await reader.CompleteAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await _ssl.WriteAsync(buffer.First);
            return;
        }

        // Several segments (a response head and body): copy up to a record at a time, so each record is one send.
        var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length, MaxRecordPlaintext));
        try
        {
            while (!buffer.IsEmpty)
            {
                var length = (int)Math.Min(buffer.Length, chunk.Length);
                buffer.Slice(0, length).CopyTo(chunk);
                await _ssl.WriteAsync(chunk.AsMemory(0, length));
                buffer = buffer.Slice(length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
