using System.Buffers;

namespace FastProxy.Http.Http2.Streams;

/// <summary>The request body side: DATA into the pipe, our receive window, credit returned as the handler reads.</summary>
internal sealed partial class Http2Stream
{
    private Http2FlowWindow _receiveWindow;
    private Http2ReceiveCredit _receiveCredit;
    private long _bodyReceived;
    private long _bodyConsumed;
    private bool _requestEnded;

    /// <summary>True once END_STREAM arrived (or the stream was reset): no more request frames are expected.</summary>
    internal bool RequestEnded => _requestEnded;

    /// <summary>Body bytes delivered to the pipe and not yet consumed (flow-control credit owed to the connection).</summary>
    internal long UnconsumedBody => _bodyReceived - _bodyConsumed;

    internal bool BodyReaderCompleted => _body.IsCompleted;

    /// <summary>Takes a DATA frame's flow-controlled length (padding included) from our window; false: the client overran it.</summary>
    internal bool TryReceiveLocked(int frameLength) => _receiveWindow.TryConsume(frameLength);

    /// <summary>
    /// Delivers DATA payload to the handler's pipe. Counts it against content-length (RFC 9113 §8.1.1): false when the
    /// body runs past the declared length, or ends short of it at END_STREAM.
    /// </summary>
    internal bool OnDataLocked(in ReadOnlySequence<byte> payload, bool endStream)
    {
        var declared = _validator.ContentLength;
        var total = _bodyReceived + payload.Length;
        if (declared >= 0 && (total > declared || (endStream && total != declared)))
        {
            return false;
        }

        if (!payload.IsEmpty && !_body.IsCompleted)
        {
            var writer = _bodyPipe.Writer;
            foreach (var segment in payload)
            {
                writer.Write(segment.Span);
            }

            _bodyReceived = total;

            // Never pauses (pauseWriterThreshold 0: our receive window is the bound), so this completes synchronously.
#pragma warning disable CA2012, MA0042 // never pending: see above
            writer.FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
#pragma warning restore CA2012, MA0042
        }
        else
        {
            _bodyReceived = total;
            _bodyConsumed += payload.Length;
        }

        if (endStream)
        {
            EndRequestLocked();
        }

        return true;
    }

    /// <summary>END_STREAM received (on DATA or on the HEADERS of the head or trailers): the body pipe completes.</summary>
    internal void EndRequestLocked()
    {
        _requestEnded = true;
        State = State == Http2StreamState.HalfClosedLocal ? Http2StreamState.Closed : Http2StreamState.HalfClosedRemote;
        if (!_reset)
        {
            _bodyPipe.Writer.Complete();
        }
    }

    /// <summary>Handler advanced the body by <paramref name="bytes"/>: credit owed back to the client.</summary>
    public void OnBodyConsumed(int bytes) => _connection.CreditStream(this, bytes);

    public void OnBodyReaderCompleted() => _connection.CreditStream(this, 0);

    /// <summary>
    /// Records consumed bytes; returns the stream WINDOW_UPDATE increment due now (0: none). Under the connection's lock.
    /// When the reader is gone, everything delivered and unread counts as consumed.
    /// </summary>
    internal int TakeCreditLocked(int bytes, out int connectionBytes)
    {
        if (_body.IsCompleted && _bodyConsumed + bytes < _bodyReceived)
        {
            bytes = (int)(_bodyReceived - _bodyConsumed);
        }

        _bodyConsumed += bytes;
        connectionBytes = bytes;
        if (_requestEnded || _reset)
        {
            // No more DATA is coming on this stream: its window needs no update, only the connection's does.
            return 0;
        }

        var increment = _receiveCredit.OnConsumed(bytes);
        if (increment > 0)
        {
            _receiveWindow.TryGrow(increment);
        }

        return increment;
    }

    private void StartFlow(int sendWindow, int receiveWindow)
    {
        _sendWindow = new Http2FlowWindow(sendWindow);
        _receiveWindow = new Http2FlowWindow(receiveWindow);
        _receiveCredit = new Http2ReceiveCredit(receiveWindow);
        _bodyReceived = 0;
        _bodyConsumed = 0;
        _requestEnded = false;
    }
}
