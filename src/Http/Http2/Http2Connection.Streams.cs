using System.Buffers;
using FastProxy.Http.Http2.HPack;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Http2;

/// <summary>Stream frames: HEADERS/CONTINUATION (heads and trailers), DATA, RST_STREAM, and the stream state machine (RFC 9113 §5.1).</summary>
internal sealed partial class Http2Connection
{
    // Streams we reset recently: frames the client had in flight for them are ignored, not answered (RFC 9113 §5.1:
    // after sending RST_STREAM an endpoint "MUST ignore frames that it receives on closed streams"). 32 covers the
    // frames in flight for a burst of resets; older ones get STREAM_CLOSED, which is also allowed.
    private readonly int[] _recentResets = new int[32];
    private int _recentResetsNext;

    // The field block being received across HEADERS and CONTINUATIONs (stream 0: none).
    private int _blockStreamId;
    private BlockTarget _blockTarget;
    private bool _blockEndStream;
    private long _blockStartedAt;
    private Http2FrameError _blockStreamError;

    private enum BlockTarget : byte
    {
        /// <summary>A new stream's request head.</summary>
        Request,

        /// <summary>An open stream's trailers.</summary>
        Trailers,

        /// <summary>A block we refuse or ignore, decoded only to keep the HPACK table in step (RFC 9113 §4.3).</summary>
        Discard,
    }

    private Http2FrameError ProcessHeadersLocked(in Http2Frame frame, Http2FrameError streamError)
    {
        var id = frame.StreamId;

        // RFC 9113 §5.1.1: "Streams initiated by a client MUST use odd-numbered stream identifiers".
        if ((id & 1) == 0)
        {
            return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, id, "HEADERS on an even stream id");
        }

        var target = BlockTarget.Request;
        if (_streams.TryGetValue(id, out var stream))
        {
            if (stream.IsReset)
            {
                target = BlockTarget.Discard;
            }
            else if (stream.RequestEnded)
            {
                // RFC 9113 §5.1 half-closed (remote): frames other than WINDOW_UPDATE, PRIORITY, RST_STREAM are a
                // stream error of type STREAM_CLOSED.
                target = BlockTarget.Discard;
                streamError = Http2FrameError.Stream(Http2ErrorCode.StreamClosed, id, "HEADERS after END_STREAM");
            }
            else
            {
                target = BlockTarget.Trailers;
                stream.BeginTrailers();
            }
        }
        else if (id <= _lastStreamId)
        {
            if (!WasResetByUs(id))
            {
                // RFC 9113 §5.1.1: a new stream's id must exceed every id opened before; and a closed stream takes no
                // HEADERS (§5.1, "closed": STREAM_CLOSED). Either way the HPACK state is suspect: a connection error.
                return Http2FrameError.Connection(Http2ErrorCode.StreamClosed, id, "HEADERS on a closed stream");
            }

            target = BlockTarget.Discard;
        }
        else
        {
            _lastStreamId = id;
            if (_goAwaySent || _peerGoAway)
            {
                // RFC 9113 §6.8: streams after our GOAWAY's last-stream-id are ignored; the client retries them elsewhere.
                target = BlockTarget.Discard;
            }
            else if (_streams.Count >= _options.MaxConcurrentStreams)
            {
                // RFC 9113 §5.1.2: past SETTINGS_MAX_CONCURRENT_STREAMS, "PROTOCOL_ERROR or REFUSED_STREAM"; REFUSED_STREAM
                // tells the client the request was not processed and may be retried.
                target = BlockTarget.Discard;
                streamError = Http2FrameError.Stream(Http2ErrorCode.RefusedStream, id, "over SETTINGS_MAX_CONCURRENT_STREAMS");
            }
            else
            {
                stream = Http2StreamPool.Rent();
                stream.Start(this, id, _peerSettings.InitialWindowSize, _streamReceiveWindow);
                _streams.Add(id, stream);
            }
        }

        _blockStreamId = id;
        _blockTarget = target;
        _blockEndStream = frame.EndStream;
        _blockStreamError = streamError;
        if (Http2FieldBlockBuffer.TryGetSingleSpan(frame, out var block))
        {
            return CompleteFieldBlockLocked(block);
        }

        _fieldBlock.Append(frame.Payload);
        if (frame.EndHeaders)
        {
            return CompleteFieldBlockLocked(_fieldBlock.Block);
        }

        _blockStartedAt = Now;
        return default;
    }

    private Http2FrameError ProcessContinuationLocked(in Http2Frame frame)
    {
        // The reader has checked the sequence (same stream, a block open); a CONTINUATION is also work without progress
        // until END_HEADERS, so tiny ones count against the flood budget.
        _fieldBlock.Append(frame.Payload);
        if (!frame.EndHeaders)
        {
            return frame.Payload.Length < 1024 ? CountControlFrameLocked(frame.StreamId) : default;
        }

        return CompleteFieldBlockLocked(_fieldBlock.Block);
    }

    private Http2FrameError CompleteFieldBlockLocked(ReadOnlySpan<byte> block)
    {
        var id = _blockStreamId;
        var target = _blockTarget;
        var endStream = _blockEndStream;
        var streamError = _blockStreamError;
        _blockStreamId = 0;
        _blockStartedAt = 0;
        _blockStreamError = default;

        // The stream may have been released meanwhile (its handler ended during a trailer block's CONTINUATIONs).
        Http2Stream? stream = null;
        if (target != BlockTarget.Discard && (!_streams.TryGetValue(id, out stream) || stream.IsReset))
        {
            target = BlockTarget.Discard;
        }

        HPackError decoded;
        if (target == BlockTarget.Discard)
        {
            var sink = default(DiscardSink);
            decoded = _decoder.Decode(block, ref sink);
        }
        else
        {
            var sink = new Http2Stream.FieldSink(stream!);
            decoded = _decoder.Decode(block, ref sink);
        }

        _fieldBlock.Reset();
        if (decoded != HPackError.None)
        {
            // RFC 9113 §4.3: a field block that cannot be decoded "MUST" be a connection error of type COMPRESSION_ERROR.
            return Http2FrameError.Connection(Http2ErrorCode.CompressionError, id, decoded == HPackError.HeaderListTooLarge
                ? "field section far over SETTINGS_MAX_HEADER_LIST_SIZE"
                : "HPACK decoding failed");
        }

        if (streamError.Reason is not null)
        {
            if (target == BlockTarget.Request)
            {
                // The head never reaches a handler: the stream goes back to the pool before the reset goes out.
                ReleaseUnstartedLocked(stream!);
            }

            ResetStreamLocked(id, streamError.Code, streamError.Reason);
            return streamError.Code == Http2ErrorCode.RefusedStream ? CountControlFrameLocked(id) : default;
        }

        return target switch
        {
            BlockTarget.Request => StartRequestLocked(stream!, endStream),
            BlockTarget.Trailers => EndTrailersLocked(stream!, endStream),
            _ => default,
        };
    }

    private Http2FrameError StartRequestLocked(Http2Stream stream, bool endStream)
    {
        _firstHeadReceived = true;
        if (!TakeRequestTokenLocked())
        {
            return RefuseOverRateLocked(stream, endStream);
        }

        if (stream.HeadTooLarge)
        {
            // The HPACK bomb defence: decoded fields over our SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §10.5.1) get a
            // 431 (RFC 6585 §5) on the stream; the connection and its HPACK state carry on.
            Http2Log.HeadTooLarge(_logger, ConnectionId, stream.StreamId, _options.MaxHeaderListSize);
            var id = stream.StreamId;
            WriteHeadersLocked(id, 431, stream.ResponseFields, 0, endStream: true);
            if (!endStream)
            {
                // RFC 9113 §8.1: after a complete response the server may stop the request body with NO_ERROR.
                Http2FrameWriter.WriteRstStream(_output, id, Http2ErrorCode.NoError);
                _writtenSeq++;
                RememberReset(id);
            }

            ReleaseUnstartedLocked(stream);
            return default;
        }

        if (!stream.CompleteHead(endStream))
        {
            // RFC 9113 §8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR.
            Http2Log.MalformedRequest(_logger, ConnectionId, stream.StreamId, stream.Refusal ?? "malformed request");
            var id = stream.StreamId;
            ReleaseUnstartedLocked(stream);
            ResetStreamLocked(id, Http2ErrorCode.ProtocolError, null);
            return default;
        }

        if (endStream)
        {
            stream.EndRequestLocked();
        }

        stream.Dispatch();
        return default;
    }

    private Http2FrameError EndTrailersLocked(Http2Stream stream, bool endStream)
    {
        // RFC 9113 §8.1: a HEADERS after the head is a trailer section and must end the stream; otherwise malformed.
        string? refusal = null;
        if (!endStream)
        {
            refusal = "second HEADERS without END_STREAM";
        }
        else if (!stream.CompleteTrailers())
        {
            refusal = stream.Refusal;
        }
        else if (!stream.OnDataLocked(ReadOnlySequence<byte>.Empty, endStream: true))
        {
            refusal = "body shorter than content-length";
        }

        if (refusal is not null)
        {
            Http2Log.MalformedRequest(_logger, ConnectionId, stream.StreamId, refusal);
            ResetStreamLocked(stream, Http2ErrorCode.ProtocolError, refusal);
        }

        return default;
    }

    private Http2FrameError ProcessDataLocked(in Http2Frame frame)
    {
        var id = frame.StreamId;
        var length = frame.Header.Length;
        if (!_streams.TryGetValue(id, out var stream))
        {
            // RFC 9113 §5.1: DATA on an idle stream is a connection error of type PROTOCOL_ERROR.
            if (id > _lastStreamId)
            {
                return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, id, "DATA on an idle stream");
            }

            var error = ReceiveConnectionDataLocked(length);
            if (error.Reason is not null)
            {
                return error;
            }

            ReturnConnectionCreditLocked(length);
            if (!WasResetByUs(id))
            {
                // RFC 9113 §5.1 "closed": DATA after the stream ended is a stream error of type STREAM_CLOSED.
                ResetStreamLocked(id, Http2ErrorCode.StreamClosed, "DATA on a closed stream");
            }

            return CountControlFrameLocked(id);
        }

        var connectionError = ReceiveConnectionDataLocked(length);
        if (connectionError.Reason is not null)
        {
            return connectionError;
        }

        if (stream.IsReset || stream.RequestEnded)
        {
            ReturnConnectionCreditLocked(length);
            if (!stream.IsReset)
            {
                // RFC 9113 §5.1 half-closed (remote): DATA is a stream error of type STREAM_CLOSED.
                ResetStreamLocked(stream, Http2ErrorCode.StreamClosed, "DATA after END_STREAM");
            }

            return default;
        }

        // RFC 9113 §6.9.1: a sender must not exceed the window we granted: FLOW_CONTROL_ERROR (a stream error here,
        // the connection window was checked above).
        if (!stream.TryReceiveLocked(length))
        {
            ReturnConnectionCreditLocked(length);
            ResetStreamLocked(stream, Http2ErrorCode.FlowControlError, "DATA beyond the stream window");
            return default;
        }

        var payload = frame.Payload;
        var padding = length - (int)payload.Length;
        if (padding > 0)
        {
            // Padding counts against the windows (RFC 9113 §6.1) but is never delivered: credit it back at once.
            ReturnConnectionCreditLocked(padding);
        }

        if (!stream.OnDataLocked(payload, frame.EndStream))
        {
            // RFC 9113 §8.1.1: DATA that does not add up to content-length makes the request malformed.
            Http2Log.MalformedRequest(_logger, ConnectionId, id, "body length differs from content-length");
            ResetStreamLocked(stream, Http2ErrorCode.ProtocolError, "body length differs from content-length");
            return default;
        }

        if (stream.BodyReaderCompleted)
        {
            CreditStreamLocked(stream, 0);
        }

        // An empty DATA without END_STREAM moves nothing forward: counted as a flood frame.
        return payload.IsEmpty && !frame.EndStream ? CountControlFrameLocked(id) : default;
    }

    private Http2FrameError ProcessRstStreamLocked(in Http2Frame frame)
    {
        var id = frame.StreamId;
        if (!_streams.TryGetValue(id, out var stream))
        {
            // RFC 9113 §6.4: RST_STREAM on an idle stream "MUST" be a connection error of type PROTOCOL_ERROR.
            if (id > _lastStreamId)
            {
                return Http2FrameError.Connection(Http2ErrorCode.ProtocolError, id, "RST_STREAM on an idle stream");
            }

            return CountControlFrameLocked(id);
        }

        var counted = default(Http2FrameError);
        if (!stream.ResponseFinished)
        {
            // Rapid reset (CVE-2023-44487): a stream opened and reset before its response made us do work for nothing.
            counted = CountResetLocked(id);
        }

        stream.MarkResetLocked(frame.ErrorCode, "stream reset by the client");
        CreditStreamLocked(stream, 0);
        return counted;
    }

    /// <summary>Resets a stream we still track: RST_STREAM out, the stream marked so its handler's writes stop.</summary>
    internal void ResetStream(Http2Stream stream, Http2ErrorCode code, bool fromHandler)
    {
        lock (Sync)
        {
            if (stream.ResponseFinished && fromHandler)
            {
                return;
            }

            ResetStreamLocked(stream, code, "reset by the handler");
        }

        RequestFlush();
    }

    private void ResetStreamLocked(Http2Stream stream, Http2ErrorCode code, string? reason)
    {
        if (stream.IsReset)
        {
            return;
        }

        WriteResetLocked(stream.StreamId, code, reason);
        stream.MarkResetLocked(code, reason ?? "stream reset");
        CreditStreamLocked(stream, 0);
    }

    /// <summary>Resets stream <paramref name="id"/>: the tracked stream when there is one, else just the frame.</summary>
    private void ResetStreamLocked(int id, Http2ErrorCode code, string? reason)
    {
        if (_streams.TryGetValue(id, out var stream))
        {
            ResetStreamLocked(stream, code, reason);
            return;
        }

        WriteResetLocked(id, code, reason);
    }

    /// <summary>Sends RST_STREAM for <paramref name="id"/> (RFC 9113 §6.4) and remembers it, so frames in flight are ignored.</summary>
    private void WriteResetLocked(int id, Http2ErrorCode code, string? reason)
    {
        if (reason is not null)
        {
            Http2Log.StreamReset(_logger, ConnectionId, id, code, reason);
        }

        RememberReset(id);
        if (_outputFailed)
        {
            return;
        }

        Http2FrameWriter.WriteRstStream(_output, id, code);
        _writtenSeq++;
    }

    /// <summary>A stream whose handler never started (refused head): forgotten and back to the pool at once.</summary>
    private void ReleaseUnstartedLocked(Http2Stream stream)
    {
        _streams.Remove(stream.StreamId);
        stream.Release();
        Http2StreamPool.Return(stream);
        if (_streams.Count == 0)
        {
            _idleSince = Now;
        }
    }

    /// <summary>
    /// The handler's task ended: a stream it left open is reset with INTERNAL_ERROR (the contract), a request body the
    /// client is still sending is stopped with RST_STREAM NO_ERROR (RFC 9113 §8.1), then the stream goes back to the pool.
    /// </summary>
    internal void OnHandlerCompleted(Http2Stream stream, Exception? failure)
    {
        lock (Sync)
        {
            if (failure is not null)
            {
                Http2Log.HandlerFailed(_logger, ConnectionId, stream.StreamId, failure);
                ResetStreamLocked(stream, Http2ErrorCode.InternalError, null);
            }
            else if (!stream.ResponseFinished)
            {
                Http2Log.HandlerLeftStreamOpen(_logger, ConnectionId, stream.StreamId);
                ResetStreamLocked(stream, Http2ErrorCode.InternalError, null);
            }
            else if (!stream.RequestEnded && !stream.IsReset)
            {
                ResetStreamLocked(stream, Http2ErrorCode.NoError, null);
            }

            CreditStreamLocked(stream, 0);
            _streams.Remove(stream.StreamId);
            stream.Release();
            Http2StreamPool.Return(stream);
            if (_streams.Count == 0)
            {
                _idleSince = Now;
                if (_goAwaySent || _peerGoAway || _closing)
                {
                    // The frame loop may be waiting on input: wake it to close.
                    _input.CancelPendingRead();
                }
            }
        }

        RequestFlush();
    }

    /// <summary>The handler consumed body bytes (or completed the reader: 0): window updates for the stream and the connection.</summary>
    internal void CreditStream(Http2Stream stream, int bytes)
    {
        lock (Sync)
        {
            if (!_streams.TryGetValue(stream.StreamId, out var tracked) || !ReferenceEquals(tracked, stream))
            {
                return;
            }

            CreditStreamLocked(stream, bytes);
        }

        RequestFlush();
    }

    private void CreditStreamLocked(Http2Stream stream, int bytes)
    {
        var increment = stream.TakeCreditLocked(bytes, out var connectionBytes);
        if (increment > 0 && !_outputFailed)
        {
            Http2FrameWriter.WriteWindowUpdate(_output, stream.StreamId, increment);
            _writtenSeq++;
        }

        ReturnConnectionCreditLocked(connectionBytes);
    }

    /// <summary>Counts received DATA against the connection window (RFC 9113 §6.9.1: overrun is a FLOW_CONTROL_ERROR).</summary>
    private Http2FrameError ReceiveConnectionDataLocked(int length) => _connectionReceiveWindow.TryConsume(length)
        ? default
        : Http2FrameError.Connection(Http2ErrorCode.FlowControlError, 0, "DATA beyond the connection window");

    private void ReturnConnectionCreditLocked(int bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        var increment = _connectionCredit.OnConsumed(bytes);
        if (increment > 0)
        {
            _connectionReceiveWindow.TryGrow(increment);
            if (!_outputFailed)
            {
                Http2FrameWriter.WriteWindowUpdate(_output, 0, increment);
                _writtenSeq++;
            }
        }
    }

    private void RememberReset(int id)
    {
        _recentResets[_recentResetsNext] = id;
        _recentResetsNext = (_recentResetsNext + 1) % _recentResets.Length;
    }

    private bool WasResetByUs(int id) => Array.IndexOf(_recentResets, id) >= 0;

    /// <summary>Decodes a block we do not keep (only the HPACK table matters).</summary>
    private readonly struct DiscardSink : IHeaderHandler
    {
        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
        }
    }
}
