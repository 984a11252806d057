using System.Buffers;
using System.Runtime.CompilerServices;

namespace FastProxy.Http.Http2.Streams;

/// <summary>The response side: head, DATA within the client's windows, trailers, reset.</summary>
/// <remarks>
/// A write either waits until its bytes reached the transport, or (the held writes) leaves them in the connection's
/// output to go out with the next write that waits, or with <see cref="FlushAsync"/>. Holding lets a small response
/// (head, a little body, trailers) leave in one send instead of one per frame; a handler holds only while it has more
/// to write at once, and flushes before it waits for anything else.
/// </remarks>
internal sealed partial class Http2Stream
{
    /// <summary>Held DATA bytes past which a held write waits anyway: what a stream may leave unsent is bounded.</summary>
    internal const int MaxHeldBytes = 16 * 1024;

    private Http2FlowWindow _sendWindow;
    private bool _headSent;
    private bool _responseEnded;
    private bool _reset;
    private int _trailersStart;

    // Heartbeat-clock timestamp (TimeProvider ticks) since which a write waits on a zero send window; 0: not waiting.
    private long _windowWaitSince;

    // The last held write's sequence number (0: none held) and the DATA bytes held since the last wait.
    private long _heldSeq;
    private int _heldBytes;

    // The last write left to the connection's flusher without waiting (0: none): the next one waits for it first.
    private long _handedOffSeq;

    /// <summary>True once END_STREAM went out or the stream was reset: the handler's part is done.</summary>
    internal bool ResponseFinished => _responseEnded || _reset;

    internal bool IsReset => _reset;

    /// <summary>When a write started waiting on a zero send window (0: it is not waiting).</summary>
    internal long WindowWaitSince => _windowWaitSince;

    /// <summary>The client's window for this stream (RFC 9113 §6.9), guarded by the connection's lock.</summary>
    internal ref Http2FlowWindow SendWindow => ref _sendWindow;

    public ValueTask WriteContinueAsync()
    {
        if (_headSent)
        {
            return default;
        }

        return WriteHeadCoreAsync(100, endStream: false, interim: true);
    }

    public void AddResponseField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        // RFC 9113 §8.2.2: connection-specific fields "MUST NOT" be sent in HTTP/2; dropped, as the contract says.
        if (IsConnectionSpecific(name))
        {
            return;
        }

        _response.AddLowercased(name, value);
    }

    public ValueTask WriteResponseHeadAsync(int status, bool endStream) => WriteHeadCoreAsync(status, endStream, interim: false);

    public void HoldResponseHead(int status)
    {
        lock (_connection.Sync)
        {
            if (_headSent || ResponseFinished || _connection.IsOutputFailed)
            {
                return;
            }

            _headSent = true;
            _heldSeq = _connection.WriteHeadersLocked(StreamId, status, _response, 0, endStream: false);
            _trailersStart = _response.Count;
        }
    }

    public ValueTask<bool> WriteDataAsync(ReadOnlySequence<byte> data, bool endStream)
    {
        if (data.IsEmpty && !endStream)
        {
            return new ValueTask<bool>(!ResponseFinished && !_connection.IsOutputFailed);
        }

        return WriteDataCoreAsync(data, endStream, hold: false);
    }

    public ValueTask<bool> HoldDataAsync(ReadOnlySequence<byte> data)
    {
        if (data.IsEmpty)
        {
            return new ValueTask<bool>(!ResponseFinished && !_connection.IsOutputFailed);
        }

        return WriteDataCoreAsync(data, endStream: false, hold: true);
    }

    public ValueTask<bool> FlushAsync()
    {
        var held = _heldSeq;
        if (held == 0)
        {
            return new ValueTask<bool>(!_connection.IsOutputFailed);
        }

        ForgetHeld();
        return HandOff(held);
    }

    /// <summary>
    /// Leaves write <paramref name="written"/> (and all before it) to the connection's flusher instead of waiting for
    /// it, so the writes of many streams leave in one send. A stream has one such write outstanding at most: if the
    /// previous one has not reached the transport yet (a client that stopped reading), this one waits, which bounds
    /// what a stream can queue unsent to its held bytes twice over.
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
        return new ValueTask<bool>(!_reset && !_connection.IsOutputFailed);
    }

    public ValueTask<bool> CompleteResponseAsync()
    {
        if (!_headSent || ResponseFinished)
        {
            return new ValueTask<bool>(false);
        }

        if (_response.Count > _trailersStart)
        {
            return WriteTrailersAsync();
        }

        return WriteDataCoreAsync(ReadOnlySequence<byte>.Empty, endStream: true, hold: false);
    }

    public void Reset(Http2ErrorCode code) => _connection.ResetStream(this, code, fromHandler: true);

    /// <summary>Marks the stream reset (by either side): no more writes, the body reader fails, Aborted fires. Under the connection's lock.</summary>
    internal void MarkResetLocked(Http2ErrorCode code, string reason)
    {
        if (_reset)
        {
            return;
        }

        _reset = true;
        State = Http2StreamState.Closed;
        _windowWaitSince = 0;
        _bodyPipe.Writer.Complete(new Http2StreamAbortedException(code, reason));
        Signal.Set();
        _aborted.Cancel();
    }

    /// <summary>The connection is going away: wake every wait and fail the body, as for a reset.</summary>
    internal void AbortLocked(string reason) => MarkResetLocked(Http2ErrorCode.Cancel, reason);

    internal void OnResponseEndedLocked()
    {
        _responseEnded = true;
        State = State == Http2StreamState.HalfClosedRemote ? Http2StreamState.Closed : Http2StreamState.HalfClosedLocal;
    }

    private void StartResponse()
    {
        _headSent = false;
        _responseEnded = false;
        _reset = false;
        _trailersStart = 0;
        _windowWaitSince = 0;
        _heldSeq = 0;
        _heldBytes = 0;
        _handedOffSeq = 0;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteHeadCoreAsync(int status, bool endStream, bool interim)
    {
        long written;
        lock (_connection.Sync)
        {
            if (_headSent || ResponseFinished || _connection.IsOutputFailed)
            {
                return;
            }

            if (!interim)
            {
                _headSent = true;
            }

            written = _connection.WriteHeadersLocked(StreamId, status, _response, 0, endStream && !interim);
            if (!interim)
            {
                // Fields added before a 100 belong to the final head, so nothing is cleared for one; none are expected.
                _trailersStart = _response.Count;
                if (endStream)
                {
                    OnResponseEndedLocked();
                }
            }
        }

        ForgetHeld();
        if (interim || endStream)
        {
            // A 100, or a response that ends with its head: nothing follows from us that this write could outrun.
            await HandOff(written);
            return;
        }

        await _connection.WaitFlushedAsync(this, written);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteTrailersAsync()
    {
        long written;
        lock (_connection.Sync)
        {
            if (ResponseFinished || _connection.IsOutputFailed)
            {
                return false;
            }

            written = _connection.WriteHeadersLocked(StreamId, -1, _response, _trailersStart, endStream: true);
            OnResponseEndedLocked();
        }

        // The response's last write: left to the flusher when what the stream holds is small.
        var small = _heldBytes <= MaxHeldBytes;
        ForgetHeld();
        return small ? await HandOff(written) : await _connection.WaitFlushedAsync(this, written);
    }

    /// <summary>
    /// DATA within the windows, frame by frame. A held write (<paramref name="hold"/>, never with END_STREAM) returns
    /// without waiting for the transport while the stream holds at most <see cref="MaxHeldBytes"/>; past that, and for
    /// every other write, it waits until its bytes (and whatever was held before them) reached the transport.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteDataCoreAsync(ReadOnlySequence<byte> data, bool endStream, bool hold)
    {
        if (!_headSent)
        {
            return false;
        }

        var remaining = data;
        while (true)
        {
            long written = -1;
            long chunkBytes = 0;
            var done = false;
            lock (_connection.Sync)
            {
                if (ResponseFinished || _connection.IsOutputFailed)
                {
                    return false;
                }

                if (remaining.IsEmpty)
                {
                    // Only END_STREAM left (an empty body, or CompleteResponseAsync): no window needed (RFC 9113 §6.9.1
                    // counts payload bytes only).
                    written = _connection.WriteDataLocked(this, ReadOnlySpan<byte>.Empty, endStream);
                    done = true;
                }
                else
                {
                    var granted = _connection.TakeSendWindowLocked(this, remaining.Length);
                    if (granted == 0)
                    {
                        if (_windowWaitSince == 0)
                        {
                            _windowWaitSince = _connection.Now;
                        }
                    }
                    else
                    {
                        _windowWaitSince = 0;
                        var chunk = remaining.Slice(0, granted);
                        remaining = remaining.Slice(granted);
                        var last = remaining.IsEmpty;
                        written = WriteChunkLocked(chunk, endStream && last);
                        chunkBytes = granted;
                        done = last;
                    }
                }

                if (done && endStream)
                {
                    OnResponseEndedLocked();
                }
            }

            if (written < 0)
            {
                // Zero window: what is held must reach the client before we wait for it to grant more.
                if (!await FlushAsync())
                {
                    return false;
                }

                // Wait for a WINDOW_UPDATE (or a reset, or the stall timeout), then look again.
                await Signal.WaitAsync();
                continue;
            }

            if (hold && _heldBytes + chunkBytes <= MaxHeldBytes)
            {
                _heldSeq = written;
                _heldBytes += (int)chunkBytes;
            }
            else if (done && endStream && _heldBytes + chunkBytes <= MaxHeldBytes)
            {
                // The response's last write, small: left to the flusher with whatever the stream held.
                ForgetHeld();
                if (!await HandOff(written))
                {
                    return false;
                }
            }
            else
            {
                // Wait for the bytes to reach the transport before taking more: a response is never buffered without bound.
                ForgetHeld();
                if (!await _connection.WaitFlushedAsync(this, written))
                {
                    return false;
                }
            }

            if (done)
            {
                return true;
            }
        }
    }

    /// <summary>A write that waits covers everything held before it (the connection flushes in write order).</summary>
    private void ForgetHeld()
    {
        _heldSeq = 0;
        _heldBytes = 0;
    }

    /// <summary>One granted chunk as DATA frames (the grant is already within the peer's max frame size).</summary>
    private long WriteChunkLocked(in ReadOnlySequence<byte> chunk, bool endStream)
    {
        if (chunk.IsSingleSegment)
        {
            return _connection.WriteDataLocked(this, chunk.FirstSpan, endStream);
        }

        // Multi-segment: one frame per segment keeps the copy a plain span copy; the sizes add up to the grant.
        long written = 0;
        var position = chunk.Start;
        var left = chunk.Length;
        while (chunk.TryGet(ref position, out var segment))
        {
            if (segment.IsEmpty)
            {
                continue;
            }

            left -= segment.Length;
            written = _connection.WriteDataLocked(this, segment.Span, endStream && left == 0);
        }

        return written;
    }

    private static bool IsConnectionSpecific(ReadOnlySpan<byte> name) => name.Length switch
    {
        7 => System.Text.Ascii.EqualsIgnoreCase(name, "upgrade"u8),
        10 => System.Text.Ascii.EqualsIgnoreCase(name, "connection"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "keep-alive"u8),
        16 => System.Text.Ascii.EqualsIgnoreCase(name, "proxy-connection"u8),
        17 => System.Text.Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8),
        _ => false,
    };
}
