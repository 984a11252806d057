using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace FastProxy.Core.Transport;

/// <summary>
/// A <see cref="Stream"/> over a duplex pipe, for stream-only APIs layered on a connection (SslStream over
/// <see cref="TransportConnection.TransportInput"/>/<see cref="TransportConnection.TransportOutput"/>).
/// Reads copy out of the reader's buffer (a zero-byte read waits for data without consuming any: SslStream uses it
/// to hold no buffer while idle); a read returns 0 at the end of input. Writes copy into the writer and flush.
/// A pipe read returning <c>IsCanceled</c> (CancelPendingRead, a deadline) throws <see cref="OperationCanceledException"/>,
/// as does a cancelled token; a write the peer can no longer receive throws <see cref="IOException"/>.
/// Disposing the stream leaves the pipes to their owner (the connection). One reader and one writer at a time.
/// </summary>
public sealed class DuplexPipeStream : Stream
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;

    public DuplexPipeStream(PipeReader input, PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        _input = input;
        _output = output;
    }

    public DuplexPipeStream(IDuplexPipe pipe)
        : this(pipe?.Input!, pipe?.Output!)
    {
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public override int Read(Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(rented.AsMemory(0, buffer.Length), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    // Pooled state machines: SslStream reads and writes through here once per TLS record, and a plain async
    // ValueTask method allocates its box each time it completes asynchronously (every request's read does).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var bytes = result.Buffer;
            if (result.IsCanceled)
            {
                _input.AdvanceTo(bytes.Start);
                throw new OperationCanceledException("The read was canceled (CancelPendingRead or a deadline).");
            }

            if (buffer.IsEmpty)
            {
                // A zero-byte read: wait until something can be read (or the end), consume nothing.
                if (!bytes.IsEmpty || result.IsCompleted)
                {
                    _input.AdvanceTo(bytes.Start);
                    return 0;
                }

                _input.AdvanceTo(bytes.Start, bytes.End);
                continue;
            }

            if (!bytes.IsEmpty)
            {
                var count = (int)Math.Min(bytes.Length, buffer.Length);
                var taken = bytes.Slice(0, count);
                taken.CopyTo(buffer.Span);
                _input.AdvanceTo(taken.End);
                return count;
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(bytes.End);
                return 0;
            }

            _input.AdvanceTo(bytes.Start, bytes.End);
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _output.Write(buffer);
        FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _output.Write(buffer.Span);
        await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => FlushCoreAsync(cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushCoreAsync(CancellationToken cancellationToken)
    {
        var result = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("The flush was canceled (CancelPendingFlush).");
        }

        if (result.IsCompleted)
        {
            throw new IOException("The peer can no longer receive: the connection was reset or aborted.");
        }
    }
}
