using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace FastProxy.Http.Http2.Client;

/// <summary>
/// An upstream stream's response body as the adapter reads it: the stream's pipe (fed by DATA in the read loop), plus
/// flow-control credit returned to the upstream as the reader advances (RFC 9113 §5.2.2): an unread body stalls the
/// upstream at our window, never our memory. The client-side twin of <see cref="Streams.Http2RequestBody"/>.
/// </summary>
internal sealed class Http2UpstreamResponseBody : PipeReader
{
    private readonly Http2UpstreamStream _stream;
    private readonly PipeReader _inner;
    private ReadOnlySequence<byte> _last;
    private bool _completed;

    public Http2UpstreamResponseBody(Http2UpstreamStream stream, PipeReader inner)
    {
        _stream = stream;
        _inner = inner;
    }

    public bool IsCompleted => Volatile.Read(ref _completed);

    /// <summary>A pooled stream starting over (its pipe was reset).</summary>
    public void Restart()
    {
        _last = default;
        Volatile.Write(ref _completed, false);
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var pending = _inner.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
#pragma warning disable MA0042 // completed: reading the result does not block
            var result = pending.Result;
#pragma warning restore MA0042
            _last = result.Buffer;
            return new ValueTask<ReadResult>(result);
        }

        return AwaitReadAsync(pending);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_inner.TryRead(out result))
        {
            _last = result.Buffer;
            return true;
        }

        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var bytes = _last.Slice(_last.Start, consumed).Length;
        _last = default;
        _inner.AdvanceTo(consumed, examined);
        if (bytes > 0)
        {
            _stream.OnBodyConsumed((int)bytes);
        }
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        if (Volatile.Read(ref _completed))
        {
            return;
        }

        Volatile.Write(ref _completed, true);
        _last = default;
        _inner.Complete(exception);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitReadAsync(ValueTask<ReadResult> pending)
    {
        var result = await pending;
        _last = result.Buffer;
        return result;
    }
}
