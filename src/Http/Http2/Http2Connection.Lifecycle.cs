using FastProxy.Core.Transport;

namespace FastProxy.Http.Http2;

/// <summary>Timeouts, graceful drain, connection errors and the close (RFC 9113 §5.4.1, §6.8).</summary>
internal sealed partial class Http2Connection
{
    private volatile bool _closing;

    /// <summary>The connection's timer tick: only wakes the frame loop, which does the checks on its own thread.</summary>
    private void OnTimer() => _input.CancelPendingRead();

    /// <summary>The frame loop was woken (timer, drain, flusher failure, last stream done): what to do now.</summary>
    private LoopStep OnWakeUp(out Http2FrameError error)
    {
        error = default;
        if (_outputFailed)
        {
            return LoopStep.Abort;
        }

        lock (Sync)
        {
            var now = Now;
            if ((Volatile.Read(ref _drainRequested) != 0 || _transport.TimedOutReason == TimeoutReason.Drain || _shuttingDown.IsCancellationRequested) && !_goAwaySent)
            {
                // Graceful drain: tell the client which streams we will finish (RFC 9113 §6.8), and finish them.
                Http2Log.Draining(_logger, ConnectionId, _lastStreamId);
                WriteGoAwayLocked(Http2ErrorCode.NoError);
                _drainStartedAt = now;
            }

            if (_goAwaySent && _drainStartedAt != 0 && _time.GetElapsedTime(_drainStartedAt, now) > _options.DrainTimeout)
            {
                Http2Log.DrainTimedOut(_logger, ConnectionId, _streams.Count);
                return LoopStep.Close;
            }

            if (!_prefaceReceived || !_firstHeadReceived || _blockStreamId != 0)
            {
                var since = _blockStreamId != 0 ? _blockStartedAt : _startedAt;
                if (since != 0 && _time.GetElapsedTime(since, now) > _options.HeaderTimeout)
                {
                    if (!_prefaceReceived)
                    {
                        Http2Log.HeaderTimeout(_logger, ConnectionId, "connection preface");
                        return LoopStep.Close;
                    }

                    if (_blockStreamId != 0)
                    {
                        error = Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, _blockStreamId, "request headers not complete within the header timeout");
                        return LoopStep.ConnectionError;
                    }

                    if (_streams.Count == 0)
                    {
                        // No request yet (a browser's speculative connection, or a slowloris): nothing is lost by
                        // closing, so the GOAWAY says NO_ERROR.
                        Http2Log.HeaderTimeout(_logger, ConnectionId, "first request");
                        WriteGoAwayLocked(Http2ErrorCode.NoError);
                        return LoopStep.Close;
                    }
                }
            }

            if (_settingsSentAt != 0 && _time.GetElapsedTime(_settingsSentAt, now) > _options.SettingsTimeout)
            {
                error = Http2FrameError.Connection(Http2ErrorCode.SettingsTimeout, 0, "our SETTINGS were not acknowledged in time");
                return LoopStep.ConnectionError;
            }

            if (_streams.Count == 0 && _firstHeadReceived && _time.GetElapsedTime(_idleSince, now) > _options.IdleTimeout && !_goAwaySent)
            {
                // RFC 9113 §9.1: a server may close an idle connection; GOAWAY NO_ERROR first says nothing was lost.
                Http2Log.IdleTimeout(_logger, ConnectionId, _options.IdleTimeout.TotalSeconds);
                WriteGoAwayLocked(Http2ErrorCode.NoError);
                return LoopStep.Close;
            }

            CutStalledStreamsLocked(now);
        }

        return LoopStep.Continue;
    }

    /// <summary>Zero-window stalls: a response waiting on a send window that stays empty past the timeout is reset (CANCEL).</summary>
    private void CutStalledStreamsLocked(long now)
    {
        foreach (var stream in _streams.Values)
        {
            var since = stream.WindowWaitSince;
            if (since != 0 && _time.GetElapsedTime(since, now) > _options.SendWindowStallTimeout)
            {
                Http2Log.SendWindowStalled(_logger, ConnectionId, stream.StreamId, _options.SendWindowStallTimeout.TotalSeconds);
                ResetStreamLocked(stream, Http2ErrorCode.Cancel, null);
            }
        }
    }

    /// <summary>A connection error (RFC 9113 §5.4.1): GOAWAY with the code and the last stream we processed, then close.</summary>
    private async ValueTask FailConnectionAsync(Http2FrameError error)
    {
        Http2Log.ConnectionError(_logger, ConnectionId, error.Code, error.StreamId, _lastStreamId, error.Reason);
        long written;
        lock (Sync)
        {
            WriteGoAwayLocked(error.Code);
            written = _writtenSeq;
        }

        RequestFlush();
        await WaitLoopFlushedAsync(written);
    }

    private async ValueTask WaitLoopFlushedAsync(long written)
    {
        var waiter = new Http2Signal();
        while (true)
        {
            lock (Sync)
            {
                if (_flushedSeq >= written || _outputFailed)
                {
                    return;
                }

                _flushWaiters.Add(waiter);
            }

            RequestFlush();
            await waiter.WaitAsync();
        }
    }

    /// <summary>Ends the connection: open streams are aborted, pending bytes flushed (bounded), the transport closed.</summary>
    private async ValueTask CloseAsync(bool abort)
    {
        _closing = true;
        lock (Sync)
        {
            foreach (var stream in _streams.Values)
            {
                stream.AbortLocked("the connection closed");
            }
        }

        _stopFlusher = true;
        RequestFlush();
        try
        {
            // Bounded: a client that stopped reading cannot hold the close (and its pooled buffers) forever.
            await _flushTask.WaitAsync(_options.DrainTimeout, _time, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            abort = true;
        }

        lock (Sync)
        {
            // From here on a late handler's writes are dropped: the encoder and the pipe are going away.
            _outputFailed = true;
            WakeFlushWaitersLocked();
        }

        if (abort)
        {
            _transport.Abort();
        }

        Dispose();
        await _transport.DisposeAsync();
    }
}
