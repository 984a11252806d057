using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using FastProxy.Http.Http2.HPack;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Http2;

/// <summary>
/// The write side. Frames from the frame loop and from every stream's handler are written into the transport's
/// PipeWriter under <see cref="Sync"/> (so frames never interleave and HPACK encodes in wire order), each write bumping
/// <see cref="_writtenSeq"/>. One flusher task per connection sends what was written; a writer that must not run ahead
/// of the socket (a response) waits until <see cref="_flushedSeq"/> covers its write. Nothing here allocates per frame.
/// </summary>
internal sealed partial class Http2Connection
{
    private readonly Http2Signal _flushSignal = new(wakeBehindQueuedWork: true);
    private readonly List<Http2Signal> _flushWaiters = [];
    private Task _flushTask = Task.CompletedTask;
    private long _writtenSeq;
    private long _flushedSeq;
    private volatile bool _outputFailed;
    private volatile bool _stopFlusher;
    private bool _flushing;

    /// <summary>True once the transport refused a flush or the connection closed: writes are dropped.</summary>
    internal bool IsOutputFailed => _outputFailed;

    /// <summary>Whether write <paramref name="written"/> reached the transport (a racy read: a stale answer is only "not yet").</summary>
    internal bool IsFlushed(long written) => Volatile.Read(ref _flushedSeq) >= written;

    /// <summary>Wakes the flusher when something was written and not yet flushed.</summary>
    internal void RequestFlush()
    {
        // Racy reads are fine: _writtenSeq was bumped by this thread (or seen under the lock), and a stale _flushedSeq
        // can only be lower, which costs one needless wake-up.
        if (Volatile.Read(ref _writtenSeq) != Volatile.Read(ref _flushedSeq) || _stopFlusher)
        {
            _flushSignal.Set();
        }
    }

    /// <summary>
    /// Waits until the bytes of write <paramref name="written"/> reached the transport; false when they never will.
    /// Write-through: when no flush is running the caller flushes itself (no hand-off to the flusher task, the common
    /// case for one stream at a time); otherwise it waits for the running flush to wake it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<bool> WaitFlushedAsync(Http2Stream stream, long written)
    {
        while (true)
        {
            ValueTask<FlushResult> flush = default;
            long target = 0;
            var own = false;
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
                if (!own)
                {
                    if (!_flushWaiters.Contains(stream.Signal))
                    {
                        _flushWaiters.Add(stream.Signal);
                    }
                }

                started = !own || TryStartFlushLocked(out flush, out target);
            }

            if (own)
            {
                var ok = started && await CompleteFlushAsync(flush);
                EndFlush(target, ok);
                continue;
            }

            await stream.Signal.WaitAsync();
        }
    }

    /// <summary>
    /// A response head (<paramref name="status"/> &gt;= 0) or trailers (-1) from <paramref name="fields"/>[<paramref name="from"/>..]
    /// as HEADERS + CONTINUATION at the client's max frame size. Returns the write's sequence number.
    /// </summary>
    internal long WriteHeadersLocked(int streamId, int status, Http2FieldList fields, int from, bool endStream)
    {
        if (_outputFailed)
        {
            return _writtenSeq;
        }

        // An upper bound on the block: a literal never exceeds its raw bytes plus two 5-byte integer prefixes, and the
        // encoder's table must not be touched by a block that is then not sent, so the block must fit first time.
        var bound = 16 + 8;
        for (var i = from; i < fields.Count; i++)
        {
            bound += fields.GetName(i).Length + fields.GetValue(i).Length + 11;
        }

        var rented = ArrayPool<byte>.Shared.Rent(bound);
        try
        {
            var block = rented.AsSpan(0, bound);
            _encoder.TryBeginBlock(block, out var length);
            if (status >= 0)
            {
                Span<byte> digits = stackalloc byte[3];
                digits[0] = (byte)('0' + (status / 100 % 10));
                digits[1] = (byte)('0' + (status / 10 % 10));
                digits[2] = (byte)('0' + (status % 10));
                _encoder.TryEncode(":status"u8, digits, HPackIndexing.WithoutIndexing, huffman: false, block[length..], out var written);
                length += written;
            }

            for (var i = from; i < fields.Count; i++)
            {
                var name = fields.GetName(i);
                _encoder.TryEncode(name, fields.GetValue(i), IndexingFor(name), huffman: true, block[length..], out var written);
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

    /// <summary>One DATA frame (the caller took the windows for it). Returns the write's sequence number.</summary>
    internal long WriteDataLocked(Http2Stream stream, ReadOnlySpan<byte> data, bool endStream)
    {
        if (_outputFailed)
        {
            return _writtenSeq;
        }

        Http2FrameWriter.WriteData(_output, stream.StreamId, data, endStream);
        return ++_writtenSeq;
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> bytes from the stream's and the connection's send windows (RFC 9113 §6.9),
    /// capped at the client's SETTINGS_MAX_FRAME_SIZE so one grant is one frame. 0: a window is empty, wait.
    /// </summary>
    internal int TakeSendWindowLocked(Http2Stream stream, long wanted)
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

    private void WriteSettingsLocked()
    {
        ReadOnlySpan<(Http2SettingsParameter, uint)> settings =
        [
            (Http2SettingsParameter.MaxConcurrentStreams, (uint)_options.MaxConcurrentStreams),
            (Http2SettingsParameter.InitialWindowSize, (uint)_options.InitialStreamWindowSize),
            (Http2SettingsParameter.MaxHeaderListSize, (uint)_options.MaxHeaderListSize),
            (Http2SettingsParameter.HeaderTableSize, (uint)_options.HeaderTableSize),
        ];
        Http2FrameWriter.WriteSettings(_output, settings);
        _settingsSentAt = Now;

        // RFC 9113 §6.9.2: the connection window starts at 65,535 whatever SETTINGS say; raise it to ours at once.
        var raise = _connectionReceiveWindow.Available - Http2Settings.DefaultInitialWindowSize;
        if (raise > 0)
        {
            Http2FrameWriter.WriteWindowUpdate(_output, 0, raise);
        }

        _writtenSeq++;
    }

    private void WriteGoAwayLocked(Http2ErrorCode code)
    {
        _goAwaySent = true;
        if (_outputFailed)
        {
            return;
        }

        Http2FrameWriter.WriteGoAway(_output, _lastStreamId, code);
        _writtenSeq++;
    }

    /// <summary>
    /// The flusher task: on a wake-up, flushes until everything written is sent (unless a writer is flushing itself,
    /// which wakes this task again when it is done). Started once per connection; ends when the connection closes.
    /// </summary>
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
                    if (_flushing)
                    {
                        // A writer flushes; EndFlush wakes us if more is left.
                        break;
                    }

                    if (_writtenSeq == _flushedSeq || _outputFailed)
                    {
                        WakeFlushWaitersLocked();
                        break;
                    }

                    started = TryStartFlushLocked(out flush, out target);
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

    /// <summary>
    /// Starts a flush of everything written so far. Under the lock: a transport writer's flush takes the written blocks
    /// synchronously, which must not race a writer appending to them; once it goes asynchronous the blocks are the
    /// send's, and writers may append again (SocketPipeWriter and Pipe both allow that), so it is awaited outside.
    /// </summary>
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

    /// <summary>A flush ended: record what it covered, wake the waiters, and hand what was written meanwhile to the flusher task.</summary>
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
            // The client is gone: wake the frame loop so it closes.
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

    private void WakeFlushWaitersLocked()
    {
        foreach (var waiter in _flushWaiters)
        {
            waiter.Set();
        }

        _flushWaiters.Clear();
    }

    /// <summary>
    /// Response fields that change per response are not worth a dynamic-table slot; secrets are never indexed
    /// (RFC 7541 §7.1.3) so no intermediary may compress them into a table another party can probe.
    /// </summary>
    private static HPackIndexing IndexingFor(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when name.SequenceEqual("date"u8) => HPackIndexing.WithoutIndexing,
        4 when name.SequenceEqual("etag"u8) => HPackIndexing.WithoutIndexing,
        10 when name.SequenceEqual("set-cookie"u8) => HPackIndexing.NeverIndexed,
        14 when name.SequenceEqual("content-length"u8) => HPackIndexing.WithoutIndexing,
        _ => HPackIndexing.Incremental,
    };
}
