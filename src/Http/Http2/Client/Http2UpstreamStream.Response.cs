using System.Buffers;
using System.Runtime.CompilerServices;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Http2.Client;

/// <summary>The response side: what the read loop delivers (under the connection's lock) and what the adapter reads.</summary>
internal sealed partial class Http2UpstreamStream
{
    private Http2UpstreamHeadOutcome? _outcome;
    private Http2FlowWindow _receiveWindow;
    private Http2ReceiveCredit _credit;
    private long _contentLength;
    private long _bodyReceived;
    private long _bodyConsumed;
    private bool _responseEnded;
    private bool _bodyWriterDone;
    private bool _headReceived;

    public int Status { get; private set; }

    public int ResponseFieldCount => _responseFields.Count;

    public bool ResponseEndedWithHead { get; private set; }

    public int ResponseTrailerCount => _responseTrailers.Count;

    /// <summary>True once the final head arrived: the next HEADERS are trailers.</summary>
    internal bool HeadReceived => _headReceived;

    internal Http2FieldList ResponseFields => _responseFields;

    internal Http2FieldList ResponseTrailers => _responseTrailers;

    internal bool ResponseEnded => _responseEnded;

    public void GetResponseField(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _responseFields.GetName(index);
        value = _responseFields.GetValue(index);
    }

    public void GetResponseTrailer(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = _responseTrailers.GetName(index);
        value = _responseTrailers.GetValue(index);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Http2UpstreamHeadOutcome> ReadResponseHeadAsync(CancellationToken ct)
    {
        await using var registration = ct.CanBeCanceled ? ct.UnsafeRegister(static state => ((Http2UpstreamStream)state!)._headSignal.Set(), this) : default;
        while (true)
        {
            lock (_connection.Sync)
            {
                if (_outcome is { } outcome)
                {
                    return outcome;
                }
            }

            if (ct.IsCancellationRequested)
            {
                Reset(Http2ErrorCode.Cancel);
                ct.ThrowIfCancellationRequested();
            }

            await _headSignal.WaitAsync();
        }
    }

    /// <summary>A final response head was decoded into <see cref="ResponseFields"/> (the connection validated it).</summary>
    internal void OnHeadLocked(int status, long contentLength, bool endStream)
    {
        _headReceived = true;
        Status = status;
        _contentLength = contentLength;
        ResponseEndedWithHead = endStream;
        _outcome ??= Http2UpstreamHeadOutcome.Complete;
        if (endStream)
        {
            EndResponseLocked();
        }

        _headSignal.Set();
    }

    /// <summary>Trailers were decoded into <see cref="ResponseTrailers"/>: the response ends.</summary>
    internal bool OnTrailersLocked()
    {
        if (_contentLength >= 0 && _bodyReceived != _contentLength)
        {
            return false;
        }

        EndResponseLocked();
        return true;
    }

    /// <summary>
    /// DATA for this stream. Returns null when accepted, else what was wrong (the connection resets the stream).
    /// <paramref name="frameLength"/> (padding included) is what flow control counts.
    /// </summary>
    internal string? OnDataLocked(in ReadOnlySequence<byte> payload, int frameLength, bool endStream, out int paddingCredit)
    {
        paddingCredit = frameLength - (int)payload.Length;
        if (!_headReceived)
        {
            return "DATA before the response head";
        }

        if (_responseEnded)
        {
            return "DATA after END_STREAM";
        }

        if (!_receiveWindow.TryConsume(frameLength))
        {
            return "DATA beyond the stream window";
        }

        var total = _bodyReceived + payload.Length;
        if (_contentLength >= 0 && (total > _contentLength || (endStream && total != _contentLength)))
        {
            return "body length differs from content-length";
        }

        _bodyReceived = total;
        if (!payload.IsEmpty && !_bodyWriterDone)
        {
            var writer = _bodyPipe.Writer;
            foreach (var segment in payload)
            {
                writer.Write(segment.Span);
            }

            // Never pauses (pauseWriterThreshold 0: our receive window is the bound), so this completes synchronously.
#pragma warning disable CA2012, MA0042 // never pending: see above
            writer.FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
#pragma warning restore CA2012, MA0042
        }

        if (endStream)
        {
            EndResponseLocked();
        }

        return null;
    }

    /// <summary>The adapter advanced the body: credit owed back to the upstream.</summary>
    public void OnBodyConsumed(int bytes) => _connection.CreditStream(this, bytes);

    /// <summary>Nothing to do at once: <see cref="Release"/> discards what is left and resets an unfinished stream.</summary>
    public void OnBodyReaderCompleted()
    {
    }

    /// <summary>Under the lock: counts consumed bytes; the stream WINDOW_UPDATE increment to send now, or 0.</summary>
    internal int ConsumeLocked(int bytes)
    {
        _bodyConsumed += bytes;
        var increment = _credit.OnConsumed(bytes);
        if (increment == 0 || _responseEnded || IsReset)
        {
            return 0;
        }

        _receiveWindow.TryGrow(increment);
        return increment;
    }

    /// <summary>Padding nobody reads: stream credit now; the WINDOW_UPDATE increment to send, or 0.</summary>
    internal int CreditPaddingLocked(int bytes)
    {
        var increment = _credit.OnConsumed(bytes);
        if (increment == 0 || _responseEnded || IsReset)
        {
            return 0;
        }

        _receiveWindow.TryGrow(increment);
        return increment;
    }

    /// <summary>RST_STREAM from the upstream, or a GOAWAY that dropped the stream: nothing more is written for it.</summary>
    internal void OnRemoteResetLocked(Http2ErrorCode code, Http2UpstreamHeadOutcome outcome)
    {
        ResetCode = code;
        _requestEnded = true;
        FailLocked(code == Http2ErrorCode.NoError && outcome == Http2UpstreamHeadOutcome.Refused ? Http2ErrorCode.RefusedStream : code, outcome, "reset by the upstream");
    }

    private void EndResponseLocked()
    {
        _responseEnded = true;
        CompleteBodyWriterLocked(null);
        _headSignal.Set();
        if (_requestEnded)
        {
            Signal.Set();
        }
    }

    private void CompleteBodyWriterLocked(Exception? exception)
    {
        if (_bodyWriterDone)
        {
            return;
        }

        _bodyWriterDone = true;
        _bodyPipe.Writer.Complete(exception);
    }

    private void ResetResponse(int receiveWindow)
    {
        _outcome = null;
        _receiveWindow = new Http2FlowWindow(receiveWindow);
        _credit = new Http2ReceiveCredit(receiveWindow);
        _contentLength = -1;
        _bodyReceived = 0;
        _bodyConsumed = 0;
        _responseEnded = false;
        _bodyWriterDone = false;
        _headReceived = false;
        Status = 0;
        ResponseEndedWithHead = false;
        _responseFields.Clear();
        _responseTrailers.Clear();
    }
}
