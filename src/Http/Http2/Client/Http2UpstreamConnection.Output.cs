using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Http.Http2.HPack;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Http2.Client;

/// <summary>
/// The write side, the same design as the server's (Http2Connection.Output.cs): frames are written into the transport's
/// PipeWriter under <see cref="Sync"/>, each write bumping <see cref="_writtenSeq"/>. A stream that must not run ahead of
/// the socket flushes itself when no flush is running (write-through: no hand-off per write) or waits for the running
/// one; frames the read loop writes (ACKs, WINDOW_UPDATEs) are sent by one flusher task. Nothing allocates per frame.
/// </summary>
internal sealed partial class Http2UpstreamConnection
{
    private readonly Http2Signal _flushSignal = new(wakeBehindQueuedWork: true);
    private readonly List<Http2Signal> _flushWaiters = [];
    private Task _flushTask = Task.CompletedTask;
    private long _writtenSeq;
    private long _flushedSeq;
    private volatile bool _outputFailed;
    private volatile bool _stopFlusher;
    private bool _flushing;
    private ValueTask<FlushResult>? _handedOff;
    private long _handedOffTarget;
    private bool _goAwaySent;

    internal bool IsOutputFailed => _outputFailed;

    /// <summary>Whether write <paramref name="written"/> reached the transport (a racy read: a stale answer is only "not yet").</summary>
    internal bool IsFlushed(long written) => Volatile.Read(ref _flushedSeq) >= written;

    /// <summary>Wakes the flusher when something was written and not yet flushed.</summary>
    internal void RequestFlush()
    {
        if (Volatile.Read(ref _writtenSeq) != Volatile.Read(ref _flushedSeq) || _stopFlusher)
        {
            _flushSignal.Set();
        }
    }

    /// <summary>
    /// Waits until write <paramref name="written"/> reached the transport; false when it never will, or when the stream
    /// was reset meanwhile (a deadline must end a write stuck behind an upstream that stopped reading).
    /// Write-through: with no flush running the caller flushes itself; a flush that does not complete at once is handed
    /// to the flusher task, so the caller can still be woken by a reset.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<bool> WaitFlushedAsync(Http2UpstreamStream stream, long written)
    {
        while (true)
        {
            ValueTask<FlushResult> flush = default;
            long target = 0;
            bool own;
            var started = true;
            lock (Sync)
            {
                if (_flushedSeq >= written)
                {
                    return !_outputFailed;
                }

                if (_outputFailed || stream.IsReset)
                {
                    return false;
                }

                own = !_flushing;
                if (own)
                {
                    started = TryStartFlushLocked(out flush, out target);
                }
                else
                {
                    // Registered under the lock that saw the flush running: the flush's end (EndFlush, under this lock)
                    // wakes it. Registered later, a flush that ended in between woke no one, and the write waited for good.
                    AddFlushWaiterLocked(stream);
                }
            }

            if (own && (!started || flush.IsCompleted))
            {
                var ok = started && await CompleteFlushAsync(flush);
                EndFlush(target, ok);
                continue;
            }

            if (own)
            {
                lock (Sync)
                {
                    // Our flush ends only where the flusher takes it over from here, so nothing can end it before this.
                    _handedOff = flush;
                    _handedOffTarget = target;
                    AddFlushWaiterLocked(stream);
                }

                _flushSignal.Set();
            }

            await stream.Signal.WaitAsync();
        }
    }

    /// <summary>
    /// A request head (all of <paramref name="fields"/>) or trailers (<paramref name="fields"/>[<paramref name="from"/>..])
    /// as HEADERS + CONTINUATION at the upstream's max frame size. Returns the write's sequence number.
    /// </summary>
    internal long WriteHeadersLocked(int streamId, Http2FieldList fields, int from, bool endStream)
    {
        if (_outputFailed)
        {
            return _writtenSeq;
        }

        // An upper bound on the block (a literal never exceeds its raw bytes plus two 5-byte integer prefixes): the
        // encoder's table must not be touched by a block that is then not sent, so the block must fit first time.
        var bound = 16;
        for (var i = from; i < fields.Count; i++)
        {
            bound += fields.GetName(i).Length + fields.GetValue(i).Length + 11;
        }

        var rented = ArrayPool<byte>.Shared.Rent(bound);
        try
        {
            var block = rented.AsSpan(0, bound);
            _encoder.TryBeginBlock(block, out var length);
            for (var i = from; i < fields.Count; i++)
            {
                // Huffman only for what the table keeps: a value sent literally every time (a per-request id, a
                // credential) would pay the encoding on every request to save a few bytes on a short, fast hop.
                var name = fields.GetName(i);
                var indexing = IndexingFor(name);
                _encoder.TryEncode(name, fields.GetValue(i), indexing, huffman: indexing == HPackIndexing.Incremental, block[length..], out var written);
                length += written;
            }

            Http2FrameWriter.WriteHeaders(_output, streamId, block[..length], endStream, _peerSettings.MaxFrameSize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return ++_writtenSeq;
    }

    /// <summary>One DATA frame from a sequence (the caller took the windows for it). Returns the write's sequence number.</summary>
    internal long WriteDataLocked(int streamId, in ReadOnlySequence<byte> data, bool endStream)
    {
        if (_outputFailed)
        {
            return _writtenSeq;
        }

        var length = (int)data.Length;
        var span = _output.GetSpan(Http2FrameHeader.Size + length);
        new Http2FrameHeader(length, Http2FrameType.Data, endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None, streamId).WriteTo(span);
        data.CopyTo(span[Http2FrameHeader.Size..]);
        _output.Advance(Http2FrameHeader.Size + length);
        return ++_writtenSeq;
    }

    internal void WriteRstStreamLocked(int streamId, Http2ErrorCode code, string reason)
    {
        Http2UpstreamLog.StreamReset(_logger, _cluster, _endpoint, streamId, code, reason);
        if (_outputFailed)
        {
            return;
        }

        Http2FrameWriter.WriteRstStream(_output, streamId, code);
        _writtenSeq++;
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> bytes from the stream's and the connection's send windows (RFC 9113 §6.9),
    /// capped at the upstream's SETTINGS_MAX_FRAME_SIZE so one grant is one frame. 0: a window is empty, wait.
    /// </summary>
    internal int TakeSendWindowLocked(Http2UpstreamStream stream, long wanted)
    {
        var granted = (int)Math.Min(Math.Min(wanted, _peerSettings.MaxFrameSize), Math.Min(stream.SendWindow.Available, _connectionSendWindow.Available));
        if (granted <= 0)
        {
            return 0;
        }

        stream.SendWindow.TryConsume(granted);
        _connectionSendWindow.TryConsume(granted);
        return granted;
    }

    /// <summary>RFC 9113 §3.4: the client preface, then SETTINGS; then the connection window raised to ours.</summary>
    private void WritePrefaceLocked()
    {
        var span = _output.GetSpan(Http2Preface.Length);
        Http2Preface.Bytes.CopyTo(span);
        _output.Advance(Http2Preface.Length);
        ReadOnlySpan<(Http2SettingsParameter, uint)> settings =
        [
            (Http2SettingsParameter.EnablePush, 0),
            (Http2SettingsParameter.InitialWindowSize, (uint)_streamReceiveWindow),
            (Http2SettingsParameter.MaxHeaderListSize, (uint)_options.MaxHeaderListSize),
            (Http2SettingsParameter.HeaderTableSize, (uint)_options.HeaderTableSize),
        ];
        Http2FrameWriter.WriteSettings(_output, settings);

        // RFC 9113 §6.9.2: the connection window starts at 65,535 whatever SETTINGS say.
        var raise = _connectionReceiveWindow.Available - Http2Settings.DefaultInitialWindowSize;
        if (raise > 0)
        {
            Http2FrameWriter.WriteWindowUpdate(_output, 0, raise);
        }

        _writtenSeq++;
    }

    private void WriteGoAwayLocked(Http2ErrorCode code)
    {
        if (_goAwaySent)
        {
            return;
        }

        _goAwaySent = true;
        _drainingSince = _time.GetTimestamp();
        if (_outputFailed)
        {
            return;
        }

        // We accept no streams from the upstream (no push): the last stream id we may have processed is 0.
        Http2FrameWriter.WriteGoAway(_output, 0, code);
        _writtenSeq++;
    }

    /// <summary>The flusher task: flushes what the read loop wrote (unless a stream is flushing itself).</summary>
    private async Task FlushLoopAsync()
    {
        while (true)
        {
            await _flushSignal.WaitAsync();
            while (true)
            {
                ValueTask<FlushResult> flush;
                long target;
                bool started;
                lock (Sync)
                {
                    if (_handedOff is { } pending)
                    {
                        // A stream's flush that went asynchronous: finished here (it stays _flushing until then).
                        _handedOff = null;
                        flush = pending;
                        target = _handedOffTarget;
                        started = true;
                    }
                    else if (_flushing)
                    {
                        break;
                    }
                    else if (_writtenSeq == _flushedSeq || _outputFailed)
                    {
                        WakeFlushWaitersLocked();
                        break;
                    }
                    else
                    {
                        started = TryStartFlushLocked(out flush, out target);
                    }
                }

                var ok = started && await CompleteFlushAsync(flush);
                EndFlush(target, ok);
            }

            if (_stopFlusher && IsFlushIdle())
            {
                return;
            }
        }
    }

    /// <summary>Starts a flush under the lock: a transport writer's flush takes the written blocks synchronously, which must not race an append.</summary>
    private bool TryStartFlushLocked(out ValueTask<FlushResult> flush, out long target)
    {
        _flushing = true;
        target = _writtenSeq;
        try
        {
            flush = _output.FlushAsync(CancellationToken.None);
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            flush = default;
            return false;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> CompleteFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            var result = await flush;
            return !result.IsCompleted;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            return false;
        }
    }

    private void EndFlush(long target, bool ok)
    {
        lock (Sync)
        {
            _flushing = false;
            _flushedSeq = Math.Max(_flushedSeq, target);
            if (!ok)
            {
                _outputFailed = true;
            }

            WakeFlushWaitersLocked();
        }

        if (!ok)
        {
            // The upstream is gone: wake the read loop so it closes.
            _input.CancelPendingRead();
        }

        RequestFlush();
    }

    private bool IsFlushIdle()
    {
        lock (Sync)
        {
            return !_flushing && (_writtenSeq == _flushedSeq || _outputFailed);
        }
    }

    private void AddFlushWaiterLocked(Http2UpstreamStream stream)
    {
        if (!_flushWaiters.Contains(stream.Signal))
        {
            _flushWaiters.Add(stream.Signal);
        }
    }

    private void WakeFlushWaitersLocked()
    {
        foreach (var waiter in _flushWaiters)
        {
            waiter.Set();
        }

        _flushWaiters.Clear();
    }

    /// <summary>
    /// Request fields that change per request are not worth a dynamic-table slot; credentials are never indexed
    /// (RFC 7541 §7.1.3) so no intermediary may compress them into a table another party can probe.
    /// </summary>
    private static HPackIndexing IndexingFor(ReadOnlySpan<byte> name) => name.Length switch
    {
        5 when name.SequenceEqual(":path"u8) => HPackIndexing.WithoutIndexing,
        11 when name.SequenceEqual("traceparent"u8) => HPackIndexing.WithoutIndexing,
        12 when name.SequenceEqual("x-request-id"u8) => HPackIndexing.WithoutIndexing,
        6 when name.SequenceEqual("cookie"u8) => HPackIndexing.NeverIndexed,
        12 when name.SequenceEqual("grpc-timeout"u8) => HPackIndexing.WithoutIndexing,
        13 when name.SequenceEqual("authorization"u8) => HPackIndexing.NeverIndexed,
        14 when name.SequenceEqual("content-length"u8) => HPackIndexing.WithoutIndexing,
        19 when name.SequenceEqual("proxy-authorization"u8) => HPackIndexing.NeverIndexed,
        _ => HPackIndexing.Incremental,
    };
}
