using System.Buffers;
using FastProxy.Core.Upstream;
using FastProxy.Http.Http2.HPack;

namespace FastProxy.Http.Http2.Client;

/// <summary>The read side: one loop per connection reads frames and applies them under <see cref="Sync"/>.</summary>
internal sealed partial class Http2UpstreamConnection
{
    private readonly List<Http2UpstreamStream> _scratch = [];
    private int _blockStreamId;
    private bool _blockEndStream;
    private bool _notifyRoom;
    private bool _notifyDraining;

    private async Task RunReadLoopAsync()
    {
        // Off the caller's stack: StartAsync awaits the handshake, not the loop.
        await Task.Yield();
        Http2ErrorCode? goAway = null;
        var reason = "the upstream closed the connection";
        try
        {
            var error = await ReadLoopAsync();
            if (error.Reason is not null)
            {
                goAway = error.Code;
                reason = error.Reason;
                if (_settingsReceived)
                {
                    Http2UpstreamLog.ConnectionError(_logger, _cluster, _endpoint, error.Code, error.StreamId, error.Reason);
                }
            }
            else if (!_closed)
            {
                Http2UpstreamLog.ConnectionLost(_logger, _cluster, _endpoint, reason);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            reason = ex.Message;
            Http2UpstreamLog.ConnectionLost(_logger, _cluster, _endpoint, reason);
        }
        catch (Exception ex)
        {
            // A bug in one connection never takes the process down (DESIGN.md, failure stance).
            Http2UpstreamLog.Unexpected(_logger, _cluster, _endpoint, ex);
            goAway = Http2ErrorCode.InternalError;
            reason = "unexpected failure";
        }

        if (!_settingsReceived)
        {
            var message = $"HTTP/2 upstream {_endpoint} did not answer the preface with SETTINGS: {reason}";
            Http2UpstreamLog.HandshakeFailed(_logger, _cluster, _endpoint, reason);
            _ready.TrySetException(new UpstreamConnectException(_transport.RemoteEndPoint ?? (System.Net.EndPoint)new System.Net.IPEndPoint(0, 0), isTimeout: false, message));
        }

        await CloseAsync(goAway, reason, fromReadLoop: true);
    }

    /// <summary>Reads until the connection ends: a connection error (returned), the upstream's close, or ours.</summary>
    private async ValueTask<Http2FrameError> ReadLoopAsync()
    {
        while (true)
        {
            var result = await _input.ReadAsync(CancellationToken.None);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            Http2FrameError error = default;
            lock (Sync)
            {
                if (_closed)
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    return default;
                }

                _lastReadAt = _time.GetTimestamp();
                while (true)
                {
                    var status = _reader.TryRead(buffer, out var frame, out var frameEnd, out error);
                    if (status == Http2ReadStatus.Incomplete)
                    {
                        break;
                    }

                    if (status == Http2ReadStatus.Error)
                    {
                        if (error.IsConnectionError)
                        {
                            break;
                        }

                        OnStreamFrameErrorLocked(error);
                        error = default;
                    }
                    else
                    {
                        error = ProcessFrameLocked(frame);
                        if (error.Reason is not null)
                        {
                            break;
                        }
                    }

                    consumed = frameEnd;
                    buffer = buffer.Slice(frameEnd);
                }
            }

            _input.AdvanceTo(consumed, buffer.End);
            RequestFlush();
            NotifyOwner();
            if (error.Reason is not null)
            {
                return error;
            }

            if (result.IsCompleted || (result.IsCanceled && (_closed || _outputFailed)))
            {
                return default;
            }
        }
    }

    private void NotifyOwner()
    {
        if (_owner is null)
        {
            _notifyDraining = _notifyRoom = false;
            return;
        }

        if (_notifyDraining)
        {
            _notifyDraining = false;
            _owner.OnDraining(this);
        }

        if (_notifyRoom)
        {
            _notifyRoom = false;
            _owner.OnRoomChanged(this);
        }
    }

    private void OnStreamFrameErrorLocked(in Http2FrameError error)
    {
        if (_streams.TryGetValue(error.StreamId, out var stream))
        {
            Http2UpstreamLog.InvalidResponse(_logger, _cluster, _endpoint, error.StreamId, error.Reason);
            stream.ResetLocked(error.Code, Http2UpstreamHeadOutcome.Invalid, error.Reason);
            _streams.Remove(error.StreamId);
        }
    }

    private Http2FrameError ProcessFrameLocked(in Http2Frame frame)
    {
        // RFC 9113 §3.4: "the server connection preface ... MUST be the first frame the server sends".
        if (!_settingsReceived && (frame.Type != Http2FrameType.Settings || frame.IsAck))
        {
            return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, frame.StreamId, "the first frame was not SETTINGS");
        }

        return frame.Type switch
        {
            Http2FrameType.Data => OnDataLocked(frame),
            Http2FrameType.Headers => OnHeadersLocked(frame),
            Http2FrameType.Continuation => OnContinuationLocked(frame),
            Http2FrameType.RstStream => OnRstStreamLocked(frame),
            Http2FrameType.Settings => OnSettingsLocked(frame),
            Http2FrameType.Ping => OnPingLocked(frame),
            Http2FrameType.GoAway => OnGoAwayLocked(frame),
            Http2FrameType.WindowUpdate => OnWindowUpdateLocked(frame),

            // PRIORITY is deprecated and carries nothing we act on; unknown types "MUST" be ignored (RFC 9113 §4.1, §5.5).
            _ => default,
        };
    }

    /// <summary>RFC 9113 §5.1: a frame on a stream we never opened (even ids: the upstream may not open any).</summary>
    private bool IsIdleStream(int streamId) => (streamId & 1) == 0 || streamId >= _nextStreamId;

    private Http2FrameError OnDataLocked(in Http2Frame frame)
    {
        var length = frame.Header.Length;
        if (IsIdleStream(frame.StreamId))
        {
            return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, frame.StreamId, "DATA on a stream we never opened");
        }

        if (!_connectionReceiveWindow.TryConsume(length))
        {
            return Http2FrameError.Connection(Http2ErrorCode.FlowControlError, frame.StreamId, "DATA beyond the connection window");
        }

        if (!_streams.TryGetValue(frame.StreamId, out var stream))
        {
            // A stream we already closed: the data is dropped, its credit returned at once (RFC 9113 §6.9).
            CreditConnectionLocked(length);
            return default;
        }

        var problem = stream.OnDataLocked(frame.Payload, length, frame.EndStream, out var padding);
        if (problem is not null)
        {
            CreditConnectionLocked(length);
            Http2UpstreamLog.InvalidResponse(_logger, _cluster, _endpoint, frame.StreamId, problem);
            stream.ResetLocked(Http2ErrorCode.ProtocolError, Http2UpstreamHeadOutcome.Invalid, problem);
            _streams.Remove(frame.StreamId);
            return default;
        }

        if (padding > 0)
        {
            // Nobody reads padding: its credit goes back now.
            CreditConnectionLocked(padding);
            var increment = stream.CreditPaddingLocked(padding);
            if (increment > 0 && !_outputFailed)
            {
                Http2FrameWriter.WriteWindowUpdate(_output, frame.StreamId, increment);
                _writtenSeq++;
            }
        }

        return default;
    }

    private Http2FrameError OnHeadersLocked(in Http2Frame frame)
    {
        if (IsIdleStream(frame.StreamId))
        {
            return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, frame.StreamId, "HEADERS on a stream we never opened");
        }

        _blockStreamId = frame.StreamId;
        _blockEndStream = frame.EndStream;
        if (Http2FieldBlockBuffer.TryGetSingleSpan(frame, out var block))
        {
            return OnFieldBlockLocked(block);
        }

        _fieldBlock.Append(frame.Payload);
        return frame.EndHeaders ? OnJoinedBlockLocked() : default;
    }

    private Http2FrameError OnContinuationLocked(in Http2Frame frame)
    {
        _fieldBlock.Append(frame.Payload);
        return frame.EndHeaders ? OnJoinedBlockLocked() : default;
    }

    private Http2FrameError OnJoinedBlockLocked()
    {
        var error = OnFieldBlockLocked(_fieldBlock.Block);
        _fieldBlock.Reset();
        return error;
    }

    /// <summary>A complete response head or trailer block: decoded (always, the HPACK table must stay in step) and validated (RFC 9113 §8.3).</summary>
    private Http2FrameError OnFieldBlockLocked(ReadOnlySpan<byte> block)
    {
        var streamId = _blockStreamId;
        var endStream = _blockEndStream;
        _streams.TryGetValue(streamId, out var stream);
        var trailers = stream is not null && stream.HeadReceived;
        var target = stream is null ? null : trailers ? stream.ResponseTrailers : stream.ResponseFields;
        target?.Clear();
        var handler = new Http2ResponseFieldHandler(target, trailers);
        if (_decoder.Decode(block, ref handler) != HPackError.None)
        {
            // RFC 9113 §4.3: a field block that cannot be decoded "MUST" be a connection error of type COMPRESSION_ERROR.
            return Http2FrameError.Connection(Http2ErrorCode.CompressionError, streamId, "response field block failed to decode");
        }

        if (stream is null)
        {
            return default;
        }

        var problem = handler.Problem;
        if (problem is null && target!.ByteLength + (32 * target.Count) > _options.MaxHeaderListSize)
        {
            problem = "response head larger than our SETTINGS_MAX_HEADER_LIST_SIZE";
        }

        if (problem is null && stream.ResponseEnded)
        {
            problem = "HEADERS after END_STREAM";
        }

        if (problem is null && !trailers)
        {
            problem = handler.Status switch
            {
                < 0 => "no :status",
                101 => "101 is not allowed in HTTP/2",
                < 200 when endStream => "1xx response with END_STREAM",
                _ => null,
            };
        }

        if (problem is null && trailers && !endStream)
        {
            problem = "trailers without END_STREAM";
        }

        if (problem is null)
        {
            if (!trailers)
            {
                if (handler.Status < 200)
                {
                    // RFC 9113 §8.1: interim heads precede the final one; we drop them.
                    target!.Clear();
                    return default;
                }

                stream.OnHeadLocked(handler.Status, handler.ContentLength, endStream);
                return default;
            }

            if (stream.OnTrailersLocked())
            {
                return default;
            }

            problem = "body length differs from content-length";
        }

        Http2UpstreamLog.InvalidResponse(_logger, _cluster, _endpoint, streamId, problem);
        stream.ResetLocked(Http2ErrorCode.ProtocolError, Http2UpstreamHeadOutcome.Invalid, problem);
        _streams.Remove(streamId);
        return default;
    }

    private Http2FrameError OnRstStreamLocked(in Http2Frame frame)
    {
        if (IsIdleStream(frame.StreamId))
        {
            return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, frame.StreamId, "RST_STREAM on a stream we never opened");
        }

        if (_streams.Remove(frame.StreamId, out var stream))
        {
            // RFC 9113 §8.7: REFUSED_STREAM before any response means nothing was processed.
            var outcome = frame.ErrorCode == Http2ErrorCode.RefusedStream && !stream.HeadReceived ? Http2UpstreamHeadOutcome.Refused : Http2UpstreamHeadOutcome.Reset;
            stream.OnRemoteResetLocked(frame.ErrorCode, outcome);
        }

        return default;
    }

    private Http2FrameError OnSettingsLocked(in Http2Frame frame)
    {
        if (frame.IsAck)
        {
            return default;
        }

        if (!CountControlFrameLocked())
        {
            return Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, 0, "SETTINGS flood");
        }

        var reader = new SequenceReader<byte>(frame.Payload);
        while (reader.TryReadBigEndian(out short rawId) && reader.TryReadBigEndian(out int rawValue))
        {
            var id = (ushort)rawId;
            var value = (uint)rawValue;
            switch ((Http2SettingsParameter)id)
            {
                case Http2SettingsParameter.InitialWindowSize:
                    // RFC 9113 §6.9.2: the change applies to every open stream's send window.
                    var delta = (int)value - _peerSettings.InitialWindowSize;
                    foreach (var stream in _streams.Values)
                    {
                        if (!stream.SendWindow.TryAdjust(delta))
                        {
                            return Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0, "SETTINGS_INITIAL_WINDOW_SIZE change overflows a stream window");
                        }

                        stream.Signal.Set();
                    }

                    break;
                case Http2SettingsParameter.HeaderTableSize:
                    _encoder.SetMaxTableSize((int)Math.Min(value, Http2Settings.DefaultHeaderTableSize));
                    break;
                default:
                    break;
            }

            _peerSettings.Apply(id, value);
        }

        if (!_outputFailed)
        {
            Http2FrameWriter.WriteSettingsAck(_output);
            _writtenSeq++;
        }

        if (!_settingsReceived)
        {
            _settingsReceived = true;
            _ready.TrySetResult();
        }

        _notifyRoom = true;
        return default;
    }

    private Http2FrameError OnPingLocked(in Http2Frame frame)
    {
        if (frame.IsAck)
        {
            if (_pingSentAt != 0 && frame.PingData == _pingPayload)
            {
                _pingSentAt = 0;
            }

            return default;
        }

        if (!CountControlFrameLocked())
        {
            return Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, 0, "PING flood");
        }

        if (!_outputFailed)
        {
            Http2FrameWriter.WritePing(_output, frame.PingData, ack: true);
            _writtenSeq++;
        }

        return default;
    }

    private Http2FrameError OnGoAwayLocked(in Http2Frame frame)
    {
        var last = frame.LastStreamId;
        Http2UpstreamLog.GoAwayReceived(_logger, _cluster, _endpoint, frame.ErrorCode, last);
        if (!_goAwayReceived)
        {
            _goAwayReceived = true;
            _drainingSince = _time.GetTimestamp();
            _notifyDraining = true;
        }

        // RFC 9113 §6.8: streams above the last id were not processed and may be retried; a later GOAWAY may only lower it.
        _goAwayLastStreamId = Math.Min(_goAwayLastStreamId, last);
        _scratch.Clear();
        foreach (var stream in _streams.Values)
        {
            if (stream.StreamId > _goAwayLastStreamId)
            {
                _scratch.Add(stream);
            }
        }

        foreach (var stream in _scratch)
        {
            _streams.Remove(stream.StreamId);
            stream.OnRemoteResetLocked(frame.ErrorCode, Http2UpstreamHeadOutcome.Refused);
        }

        _scratch.Clear();
        return default;
    }

    private Http2FrameError OnWindowUpdateLocked(in Http2Frame frame)
    {
        if (frame.StreamId == 0)
        {
            if (!_connectionSendWindow.TryGrow(frame.WindowIncrement))
            {
                return Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0, "connection window past 2^31-1");
            }

            foreach (var stream in _streams.Values)
            {
                if (stream.WaitingForWindow)
                {
                    stream.Signal.Set();
                }
            }

            return default;
        }

        if (IsIdleStream(frame.StreamId))
        {
            return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, frame.StreamId, "WINDOW_UPDATE on a stream we never opened");
        }

        if (_streams.TryGetValue(frame.StreamId, out var target))
        {
            if (!target.SendWindow.TryGrow(frame.WindowIncrement))
            {
                target.ResetLocked(Http2ErrorCode.FlowControlError, Http2UpstreamHeadOutcome.Reset, "stream window past 2^31-1");
                _streams.Remove(frame.StreamId);
                return default;
            }

            target.Signal.Set();
        }

        return default;
    }

    /// <summary>
    /// Bounds what the upstream can make us answer (PING and SETTINGS each cost us a frame): past
    /// <see cref="MaxControlFramesPerSecond"/> in one second it is a flood (CVE-2019-9512/9515 style) and the connection ends.
    /// </summary>
    private bool CountControlFrameLocked()
    {
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_controlWindowStart, now) >= TimeSpan.FromSeconds(1))
        {
            _controlWindowStart = now;
            _controlFrames = 0;
        }

        return ++_controlFrames <= MaxControlFramesPerSecond;
    }

    /// <summary>
    /// Closes once: GOAWAY <paramref name="goAway"/> when given, every open stream fails (ConnectionLost before its
    /// head, an aborted body after), the transport closes, the owner hears of it.
    /// </summary>
    private async Task CloseAsync(Http2ErrorCode? goAway, string reason, bool fromReadLoop = false)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            if (!fromReadLoop)
            {
                await _readTask.ConfigureAwait(false);
            }

            return;
        }

        lock (Sync)
        {
            _closed = true;
            if (goAway is { } code)
            {
                WriteGoAwayLocked(code);
            }

            foreach (var stream in _streams.Values)
            {
                stream.FailLocked(goAway ?? Http2ErrorCode.InternalError, Http2UpstreamHeadOutcome.ConnectionLost, "connection closed: " + reason);
            }

            _streams.Clear();
        }

        if (!_ready.Task.IsCompleted)
        {
            _ready.TrySetException(new UpstreamConnectException($"HTTP/2 upstream {_endpoint}: connection closed before SETTINGS: {reason}"));
        }

        _stopFlusher = true;
        RequestFlush();
        try
        {
            await _flushTask.WaitAsync(TimeSpan.FromSeconds(1), _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The upstream does not read: the GOAWAY is best effort.
        }

        _input.CancelPendingRead();
        if (!fromReadLoop)
        {
            try
            {
                await _readTask.WaitAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Disposing the transport below ends the read.
            }
        }

        await _transport.DisposeAsync().ConfigureAwait(false);
        lock (Sync)
        {
            while (_free.Count > 0)
            {
                _free.Pop().DisposeTimer();
            }
        }

        _owner?.OnClosed(this);
    }
}
