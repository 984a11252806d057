using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace FastProxy.Http.Http2.Streams;

/// <summary>
/// A stream's body as its reader sees it: the stream's pipe (fed by DATA frames in the frame loop), plus flow-control
/// credit returned to the peer as the reader advances past bytes (RFC 9113 §5.2.2: the window we grant follows what
/// was consumed, so an unread body stalls the peer, not our memory). A client's request body on the server, and an
/// upstream's response body on the client (<see cref="IHttp2BodyOwner"/>).
/// </summary>
internal sealed class Http2RequestBody : PipeReader
{
    private readonly IHttp2BodyOwner _stream;
    private PipeReader _inner = null!;
    private ReadOnlySequence<byte> _last;
    private bool _completed;

    public Http2RequestBody(IHttp2BodyOwner stream)
    {
        _stream = stream;
    }

    /// <summary>True once the handler completed the reader: later DATA is discarded (and credited back at once).</summary>
    public bool IsCompleted => Volatile.Read(ref _completed);

    public void Start(PipeReader inner)
    {
        _inner = inner;
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
        _stream.OnBodyReaderCompleted();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitReadAsync(ValueTask<ReadResult> pending)
    {
        var result = await pending;
        _last = result.Buffer;
        return result;
    }
}
