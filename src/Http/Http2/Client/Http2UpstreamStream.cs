using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Http2.Client;

/// <summary>
/// One request stream on an <see cref="Http2UpstreamConnection"/>, pooled by its connection and reused request after
/// request (<see cref="IHttp2UpstreamStream"/> says how an adapter drives it). Every state change happens under the
/// connection's lock: the read loop delivers the response (Http2UpstreamStream.Response.cs), the adapter's calls send
/// the request; the two sides may run concurrently. Allocation-free per request once warm: the field lists, the body
/// pipe, the signals and the deadline timer are the object's own.
/// </summary>
internal sealed partial class Http2UpstreamStream : IHttp2UpstreamStream, IHttp2BodyOwner
{
    /// <summary>The largest last DATA frame of a request left to the flusher instead of waited for.</summary>
    private const int MaxHandOffBytes = 16 * 1024;

    private readonly Http2UpstreamConnection _connection;
    private readonly Http2FieldList _requestFields = new();
    private readonly Http2FieldList _responseFields = new();
    private readonly Http2FieldList _responseTrailers = new();
    private readonly Pipe _bodyPipe = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Http2RequestBody _body;
    private readonly Http2Signal _headSignal = new();
    private readonly ITimer _timer;
    private int _trailerStart;

    // A held head's write sequence number (0: none); the next write that waits covers it.
    private long _heldSeq;

    // The last write left to the connection's flusher without waiting (0: none).
    private long _handedOffSeq;
    private bool _headSent;
    private bool _requestEnded;
    private bool _released;

    public Http2UpstreamStream(Http2UpstreamConnection connection, TimeProvider time)
    {
        _connection = connection;
        _body = new Http2RequestBody(this);
        _body.Start(_bodyPipe.Reader);
        _timer = time.CreateTimer(static state => ((Http2UpstreamStream)state!).OnDeadline(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int StreamId { get; private set; }

    public ReadOnlySpan<byte> Scheme => _connection.IsSecure ? "https"u8 : "http"u8;

    /// <summary>Wakes the request side: send window, flush done, reset, cancellation. One waiter at a time.</summary>
    internal Http2Signal Signal { get; } = new();

    internal Http2FlowWindow SendWindow;

    /// <summary>Set while the request side waits for send window (a connection WINDOW_UPDATE wakes it).</summary>
    internal bool WaitingForWindow { get; set; }

    /// <summary>True once the stream may no longer be written: reset either way, connection gone, deadline passed.</summary>
    internal bool IsReset { get; private set; }

    public bool DeadlineExpired { get; private set; }

    public Http2ErrorCode? ResetCode { get; private set; }

    public PipeReader ResponseBody => _body;

    /// <summary>Makes the stream ready for a new request: called by the connection when it lends it out (under its lock).</summary>
    internal void Start(int initialSendWindow, int receiveWindow)
    {
        StreamId = 0;
        SendWindow = new Http2FlowWindow(initialSendWindow);
        ResetResponse(receiveWindow);
        _requestFields.Clear();
        _trailerStart = 0;
        _heldSeq = 0;
        _handedOffSeq = 0;
        _headSent = false;
        _requestEnded = false;
        _released = false;
        IsReset = false;
        DeadlineExpired = false;
        ResetCode = null;
        WaitingForWindow = false;
        Signal.Clear();
        _headSignal.Clear();
        _body.Start(_bodyPipe.Reader);
    }

    public void AddRequestField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => _requestFields.Add(name, value);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> SendRequestHeadAsync(bool endStream)
    {
        if (!TryWriteHead(endStream, out var written))
        {
            return false;
        }

        // Once written the request may have reached the upstream: a failed flush shows as ConnectionLost on the head.
        await _connection.WaitFlushedAsync(this, written);
        return true;
    }

    public bool HoldRequestHead()
    {
        if (!TryWriteHead(endStream: false, out var written))
        {
            return false;
        }

        _heldSeq = written;
        return true;
    }

    public ValueTask<bool> FlushAsync()
    {
        var held = _heldSeq;
        _heldSeq = 0;
        return held == 0 ? new ValueTask<bool>(!IsReset && !_connection.IsOutputFailed) : HandOff(held);
    }

    /// <summary>
    /// Leaves write <paramref name="written"/> (and all before it) to the connection's flusher instead of waiting for
    /// it, so the requests of many client streams leave in one send. One such write outstanding per stream at most: if
    /// the previous one has not reached the transport (an upstream that stopped reading), this one waits for it.
    /// </summary>
    private ValueTask<bool> HandOff(long written)
    {
        var previous = _handedOffSeq;
        if (previous != 0 && !_connection.IsFlushed(previous))
        {
            _handedOffSeq = 0;
            return _connection.WaitFlushedAsync(this, written);
        }

        _handedOffSeq = written;
        _connection.RequestFlush();
        return new ValueTask<bool>(!IsReset && !_connection.IsOutputFailed);
    }

    /// <summary>Opens the stream on the wire and writes its HEADERS; false when the connection cannot take it.</summary>
    private bool TryWriteHead(bool endStream, out long written)
    {
        lock (_connection.Sync)
        {
            if (_headSent || IsReset || !_connection.TryOpenStreamLocked(this, out var id))
            {
                written = 0;
                return false;
            }

            StreamId = id;
            _headSent = true;
            _requestEnded = endStream;
            written = _connection.WriteHeadersLocked(id, _requestFields, 0, endStream);
            _trailerStart = _requestFields.Count;
            return true;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> WriteRequestDataAsync(ReadOnlySequence<byte> data, bool endStream, CancellationToken ct)
    {
        await using var registration = ct.CanBeCanceled ? ct.UnsafeRegister(static state => ((Http2UpstreamStream)state!).Signal.Set(), this) : default;
        while (true)
        {
            long written = -1;
            int granted = 0;
            lock (_connection.Sync)
            {
                if (!_headSent || _requestEnded || IsReset || ct.IsCancellationRequested || _connection.IsOutputFailed)
                {
                    return false;
                }

                if (data.IsEmpty && !endStream)
                {
                    return true;
                }

                granted = data.IsEmpty ? 0 : _connection.TakeSendWindowLocked(this, data.Length);
                WaitingForWindow = granted == 0 && !data.IsEmpty;
                if (!WaitingForWindow)
                {
                    var end = endStream && granted == data.Length;
                    written = _connection.WriteDataLocked(StreamId, data.Slice(0, granted), end);
                    _requestEnded = end;
                }
            }

            if (written < 0)
            {
                // No window. A held head must reach the upstream first: it may grant a new stream's window only once
                // it saw the stream open.
                if (!await FlushAsync())
                {
                    return false;
                }

                // A WINDOW_UPDATE, a reset, the deadline or ct wakes us; the loop re-checks.
                await Signal.WaitAsync();
                continue;
            }

            data = data.Slice(granted);
            _heldSeq = 0;
            var last = endStream && data.IsEmpty;
            if (!await (last && granted <= MaxHandOffBytes ? HandOff(written) : _connection.WaitFlushedAsync(this, written)))
            {
                return false;
            }

            if (data.IsEmpty)
            {
                return true;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> CompleteRequestAsync()
    {
        long written;
        lock (_connection.Sync)
        {
            if (!_headSent || IsReset || _connection.IsOutputFailed)
            {
                return false;
            }

            if (_requestEnded)
            {
                return true;
            }

            _requestEnded = true;
            written = _requestFields.Count > _trailerStart
                ? _connection.WriteHeadersLocked(StreamId, _requestFields, _trailerStart, endStream: true)
                : _connection.WriteDataLocked(StreamId, ReadOnlySequence<byte>.Empty, endStream: true);
        }

        _heldSeq = 0;
        return await HandOff(written);
    }

    public void SetDeadline(TimeSpan timeout) => _timer.Change(timeout, Timeout.InfiniteTimeSpan);

    public void Reset(Http2ErrorCode code)
    {
        lock (_connection.Sync)
        {
            if (_released)
            {
                return;
            }

            ResetLocked(code, Http2UpstreamHeadOutcome.Reset, "reset by the proxy");
        }

        _connection.RequestFlush();
    }

    public void Release()
    {
        long unread;
        lock (_connection.Sync)
        {
            if (_released)
            {
                return;
            }

            _released = true;
            if (_headSent && !(_requestEnded && _responseEnded))
            {
                ResetLocked(Http2ErrorCode.Cancel, Http2UpstreamHeadOutcome.Reset, "released before the exchange ended");
            }

            CompleteBodyWriterLocked(null);
            unread = _bodyReceived - _bodyConsumed;
            _bodyConsumed = _bodyReceived;
            _connection.ForgetStreamLocked(this);
        }

        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _body.Complete();
        _bodyPipe.Reset();
        _connection.ReturnStream(this, (int)unread);
    }

    /// <summary>The request side gives up: RST_STREAM <paramref name="code"/> (when the stream is open on the wire), the response fails.</summary>
    internal void ResetLocked(Http2ErrorCode code, Http2UpstreamHeadOutcome outcome, string reason)
    {
        if (IsReset)
        {
            return;
        }

        IsReset = true;
        if (_headSent && !(_requestEnded && _responseEnded))
        {
            _connection.WriteRstStreamLocked(StreamId, code, reason);
        }

        FailLocked(code, outcome, reason);
    }

    /// <summary>Ends both sides without writing anything: the response fails with <paramref name="code"/>, waiters wake.</summary>
    internal void FailLocked(Http2ErrorCode code, Http2UpstreamHeadOutcome outcome, string reason)
    {
        IsReset = true;
        _outcome ??= outcome;
        if (!_responseEnded)
        {
            CompleteBodyWriterLocked(new Http2StreamAbortedException(code, reason));
        }

        _headSignal.Set();
        Signal.Set();
    }

    internal void DisposeTimer() => _timer.Dispose();

    private void OnDeadline()
    {
        lock (_connection.Sync)
        {
            if (_released || _responseEnded || (_outcome is not null && _outcome != Http2UpstreamHeadOutcome.Complete))
            {
                return;
            }

            DeadlineExpired = true;
            ResetLocked(Http2ErrorCode.Cancel, Http2UpstreamHeadOutcome.TimedOut, "deadline passed");
        }

        _connection.RequestFlush();
    }
}
