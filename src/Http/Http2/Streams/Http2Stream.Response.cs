using System.Buffers;
using System.Runtime.CompilerServices;

namespace FastProxy.Http.Http2.Streams;

/// <summary>The response side: head, DATA within the client's windows, trailers, reset.</summary>
internal sealed partial class Http2Stream
{
    private Http2FlowWindow _sendWindow;
    private bool _headSent;
    private bool _responseEnded;
    private bool _reset;
    private int _trailersStart;

    // Heartbeat-clock timestamp (TimeProvider ticks) since which a write waits on a zero send window; 0: not waiting.
    private long _windowWaitSince;

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

    public ValueTask<bool> WriteDataAsync(ReadOnlySequence<byte> data, bool endStream)
    {
        if (data.IsEmpty && !endStream)
        {
            return new ValueTask<bool>(!ResponseFinished && !_connection.IsOutputFailed);
        }

        return WriteDataCoreAsync(data, endStream);
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

        return WriteDataCoreAsync(ReadOnlySequence<byte>.Empty, endStream: true);
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
            if (interim)
            {
                // Fields added before a 100 belong to the final head, so nothing is cleared; none are expected.
                return;
            }

            _trailersStart = _response.Count;
            if (endStream)
            {
                OnResponseEndedLocked();
            }
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

        return await _connection.WaitFlushedAsync(this, written);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteDataCoreAsync(ReadOnlySequence<byte> data, bool endStream)
    {
        if (!_headSent)
        {
            return false;
        }

        var remaining = data;
        while (true)
        {
            long written = -1;
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
                // Zero window: wait for a WINDOW_UPDATE (or a reset, or the stall timeout), then look again.
                await Signal.WaitAsync();
                continue;
            }

            // Wait for the bytes to reach the transport before taking more: a response is never buffered without bound.
            if (!await _connection.WaitFlushedAsync(this, written))
            {
                return false;
            }

            if (done)
            {
                return true;
            }
        }
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
