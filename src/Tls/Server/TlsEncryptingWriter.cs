using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Runtime.CompilerServices;
using FastProxy.Core.Transport;

namespace FastProxy.Tls.Server;

/// <summary>
/// The plain-text output of a TLS connection: the protocol handler writes into one pooled buffer, and its flush
/// encrypts that buffer with SslStream straight into the socket's writer, on the flushing thread. No pipe and no pump
/// sit in between (they cost a lock pair, a state machine step and a thread-pool hand-off per response), and a flush
/// completes when the socket took the records, as on a plain-text connection, so slow-reader deadlines see the socket.
/// <para>
/// Contract (the parts of <see cref="PipeWriter"/>'s that callers rely on): one writer at a time; one flush at a time;
/// a flush takes the written bytes synchronously, so once it goes asynchronous the writer may write again (into a new
/// buffer) while it runs (HTTP/2's flusher does). A peer that is gone makes the flush report <c>IsCompleted</c> and
/// aborts the connection; <see cref="Complete"/> with an exception aborts it too (the peer must see a broken stream).
/// An idle connection holds no buffer: each flush returns its buffer to the pool.
/// </para>
/// </summary>
internal sealed class TlsEncryptingWriter : PipeWriter
{
    // The first buffer of a flush: a response head with a small body fits, and ArrayPool keeps a per-core cache of it.
    private const int MinimumBufferSize = 4096;

    private static readonly TimeSpan RunningFlushPollInterval = TimeSpan.FromMilliseconds(10);

    private readonly TransportConnection _connection;
    private readonly SslStream _ssl;
    private byte[]? _buffer;
    private int _written;
    private volatile bool _flushRunning;
    private bool _failed;
    private bool _completed;
    private bool _cancelNextFlush;

    public TlsEncryptingWriter(TransportConnection connection, SslStream ssl)
    {
        _connection = connection;
        _ssl = ssl;
    }

    /// <summary>Bytes written and not flushed when the handler completed the writer: sent by <see cref="FlushRemainderAsync"/>.</summary>
    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override void Advance(int bytes)
    {
        if (_buffer is null ? bytes != 0 : (uint)bytes > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the memory GetMemory returned.");
        }

        _written += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The TLS connection's output was completed: no more flushes.");
        }

        if (_flushRunning)
        {
            throw new InvalidOperationException("A flush of this TLS connection's output is still running.");
        }

        var canceled = _cancelNextFlush;
        _cancelNextFlush = false;
        if (_failed)
        {
            ReturnBuffer();
            return new ValueTask<FlushResult>(new FlushResult(canceled, isCompleted: true));
        }

        if (_written == 0)
        {
            return new ValueTask<FlushResult>(new FlushResult(canceled, isCompleted: false));
        }

        // Take the bytes now: while the encrypted records wait for the socket, the handler may write into a new buffer.
        var (buffer, length) = TakeWritten();
        ValueTask write;
        try
        {
            write = _ssl.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
        }
        catch (Exception ex) when (IsPeerGone(ex))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return new ValueTask<FlushResult>(Fail());
        }

        if (write.IsCompletedSuccessfully)
        {
            // GetResult hands a pooled source back to SslStream; the write already finished, so it cannot block.
#pragma warning disable MA0042
            write.GetAwaiter().GetResult();
#pragma warning restore MA0042
            ArrayPool<byte>.Shared.Return(buffer);
            return new ValueTask<FlushResult>(new FlushResult(canceled, isCompleted: false));
        }

        _flushRunning = true;
        return AwaitWriteAsync(write, buffer, canceled, cancellationToken);
    }

    /// <summary>
    /// Makes the running flush (or, when none runs, the next one) return <c>IsCanceled</c>. A running flush is
    /// canceled in the socket's writer; its records are already whole in that writer's buffer, so the stream stays
    /// intact and they go out with the next flush.
    /// </summary>
    public override void CancelPendingFlush()
    {
        if (!_flushRunning)
        {
            _cancelNextFlush = true;
        }
        else
        {
            _connection.TransportOutput.CancelPendingFlush();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        if (exception is not null)
        {
            // The handler failed its output: the peer must see a broken stream, as with the socket's own writer.
            // Aborting also fails the socket's input, so the read pump ends and a handler waiting for input wakes.
            _failed = true;
            _connection.Abort();
        }

        if (_written == 0 || _failed)
        {
            ReturnBuffer();
        }
    }

    /// <summary>
    /// After the handler completed the writer: waits for a flush still running, then sends what the handler wrote
    /// and did not flush (a completed pipe hands its reader everything written, so this writer does too).
    /// </summary>
    public async ValueTask FlushRemainderAsync()
    {
        // A handler returns after its last flush ended; one that did not leaves it to the socket (a stuck send ends
        // with the connection's abort), and SslStream takes one write at a time.
        while (_flushRunning)
        {
            await Task.Delay(RunningFlushPollInterval);
        }

        if (_written == 0 || _failed)
        {
            ReturnBuffer();
            return;
        }

        var (buffer, length) = TakeWritten();
        try
        {
            await _ssl.WriteAsync(buffer.AsMemory(0, length));
        }
        catch (Exception ex) when (IsPeerGone(ex))
        {
            Fail();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>True when no write failed: the connection can still carry close_notify.</summary>
    public bool IsHealthy => !_failed;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> AwaitWriteAsync(ValueTask write, byte[] buffer, bool canceled, CancellationToken cancellationToken)
    {
        try
        {
            await write;
            return new FlushResult(canceled, isCompleted: false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_connection.IsAborted)
        {
            // CancelPendingFlush: the records sit whole in the socket writer's buffer and go out with the next flush.
            // (The caller's own token throws, as PipeWriter's contract says.)
            return new FlushResult(isCanceled: true, isCompleted: false);
        }
        catch (OperationCanceledException)
        {
            // The caller's token, possibly before SslStream's record reached the socket's writer: the record stream may
            // have a gap now, so nothing more may follow it.
            _failed = true;
            _connection.Abort();
            throw;
        }
        catch (Exception ex) when (IsPeerGone(ex))
        {
            return Fail();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _flushRunning = false;
        }
    }

    private FlushResult Fail()
    {
        // The socket refused the records (reset, aborted): nothing more can be sent on this TLS stream.
        _failed = true;
        _connection.Abort();
        return new FlushResult(isCanceled: false, isCompleted: true);
    }

    private static bool IsPeerGone(Exception ex) => ex is IOException or ObjectDisposedException or InvalidOperationException;

    private void EnsureCapacity(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var needed = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(needed, MinimumBufferSize));
            return;
        }

        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        // Grow: one contiguous buffer lets one SslStream write cut it into full-size records, each one send.
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    /// <summary>The written bytes and their buffer, now the caller's to send and return; the writer starts a new one.</summary>
    private (byte[] Buffer, int Length) TakeWritten()
    {
        var taken = (_buffer!, _written);
        _buffer = null;
        _written = 0;
        return taken;
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _written = 0;
    }
}
