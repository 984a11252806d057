using System.Buffers;

namespace FastProxy.Host.Audit;

/// <summary>The background writer: the only thread that touches the sink, the serializer and the chain state.</summary>
public sealed partial class AuditTrail
{
    /// <summary>Records per sink write: amortises the write syscall without holding records back (empirically derived).</summary>
    private const int MaxBatchRecords = 256;

    /// <summary>Bytes per sink write: a few hundred records of ordinary size.</summary>
    private const int MaxBatchBytes = 256 * 1024;

    /// <summary>After a write, fewer queued records than this wait for the next poll instead of costing a write of their own.</summary>
    private const int MinWriteRecords = 32;

    /// <summary>
    /// At most one summary record per this interval while unauthenticated requests overflow their share:
    /// a flood costs one line a second, and the span it reports stays short enough to place it in time.
    /// </summary>
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(1);

    /// <summary>At stop, how long the writer waits for records that were promised room but have not come yet (requests still finishing).</summary>
    private static readonly TimeSpan ReservedWait = TimeSpan.FromSeconds(5);

    /// <summary>At most one failure and one drop log line per this interval (a failing disk must not flood the process log).</summary>
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly AuditChainState _chain = AuditChainState.Genesis();
    private readonly ArrayBufferWriter<byte> _pending = new(MaxBatchBytes + (64 * 1024));
    private AuditRecordSerializer? _serializer;
    private int _pendingRecords;
    private bool _opened;
    private bool _rotateDue;
    private long _lastFailureLog = long.MinValue;
    private long _lastDropLog = long.MinValue;
    private long _droppedLogged;
    private readonly AuditSummary _summary = new();
    private bool _summaryHeld;
    private long _lastSummary = long.MinValue;
    private long _stopSeen = long.MinValue;

    private void WriterLoop()
    {
        _serializer = new AuditRecordSerializer();
        try
        {
            while (true)
            {
                var stopping = Volatile.Read(ref _stopping) != 0;
                if (!TryMakeProgress(out var worked))
                {
                    if (stopping)
                    {
                        break;
                    }

                    Sleep(_retryInterval);
                    continue;
                }

                if (worked && (stopping || _pendingRecords > 0 || _rotateDue || _queue!.Count >= MinWriteRecords))
                {
                    continue;
                }

                if (stopping && _queue!.Count == 0 && !_summaryHeld && _unrecorded.Count == 0 && !AwaitingReserved())
                {
                    break;
                }

                ReportDrops();
                Volatile.Write(ref _writerIdle, 1);

                // Pairs with the fence of AuditQueue.Publish: either the request thread sees the writer idle and
                // wakes it, or the writer sees the queue past the wake depth here and does not sleep.
                Interlocked.MemoryBarrier();
                if (stopping ? _queue!.Peek() is null : _queue!.Count < _wakeDepth)
                {
                    Sleep(stopping ? TimeSpan.FromMilliseconds(1) : IdleWait);
                }

                Volatile.Write(ref _writerIdle, 0);
            }
        }
        finally
        {
            // Room still taken is records queued or promised and never written; the tally is requests never summarised.
            var lost = _pendingRecords + Volatile.Read(ref _committed) + _unrecorded.Count + (_summaryHeld ? _summary.Count : 0);
            if (lost > 0)
            {
                Interlocked.Add(ref Counters.Dropped, lost);
                AuditLog.StoppedWithLoss(_logger, lost);
            }

            _serializer.Dispose();
            _sink!.Dispose();
            _stopped.TrySetResult();
        }
    }

    /// <summary>Waits for <paramref name="timeout"/> or a wake-up; a wake-up that arrives meanwhile is consumed (the writer is awake).</summary>
    private void Sleep(TimeSpan timeout)
    {
        _ = _wake.Wait(timeout);
        _wake.Reset();
    }

    /// <summary>One step: open, write what is pending, rotate, or serialize a batch. False when the sink failed.</summary>
    private bool TryMakeProgress(out bool worked)
    {
        worked = true;
        if (!_opened)
        {
            return TryOpen();
        }

        if (_pendingRecords > 0)
        {
            return TryWritePending();
        }

        if (_rotateDue)
        {
            return TryRotate();
        }

        worked = FillBatch();
        return true;
    }

    private bool TryOpen()
    {
        try
        {
            _sink!.Open(_chain);
            _opened = true;
            AuditLog.Opened(_logger, _sink.Name, _chain.FileSeq, _chain.Seq);
            Recovered();
            return true;
        }
#pragma warning disable CA1031 // any sink failure (IO, permissions, a broken stream) must be counted and retried, never crash the writer
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(e);
            return false;
        }
    }

    private bool TryWritePending()
    {
        try
        {
            _sink!.Write(_pending.WrittenSpan);
        }
#pragma warning disable CA1031 // see TryOpen
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(e);
            return false;
        }

        // Available again before the records count as written: whoever sees them written sees the sink healthy.
        Recovered();
        Interlocked.Add(ref Counters.Written, _pendingRecords);
        _pendingRecords = 0;
        _pending.ResetWrittenCount();
        return true;
    }

    private bool TryRotate()
    {
        try
        {
            _sink!.Rotate(_chain.FileSeq);
        }
#pragma warning disable CA1031 // see TryOpen
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(e);
            return false;
        }

        _chain.FileSeq++;
        _chain.Seq = 0;
        _chain.FileBytes = 0;
        _rotateDue = false;
        Interlocked.Increment(ref Counters.Rotations);
        Recovered();
        return true;
    }

    /// <summary>
    /// At stop: true while records that were promised room have not come yet (their requests are still
    /// finishing), for at most <see cref="ReservedWait"/>; they are counted as lost after that.
    /// </summary>
    private bool AwaitingReserved()
    {
        if (Volatile.Read(ref _committed) == 0)
        {
            return false;
        }

        var now = _time.GetTimestamp();
        if (_stopSeen == long.MinValue)
        {
            _stopSeen = now;
        }

        return _time.GetElapsedTime(_stopSeen, now) < ReservedWait;
    }

    /// <summary>
    /// Adds a summary record of the unauthenticated requests counted instead of recorded, when one is due:
    /// once per <see cref="SummaryInterval"/>, and always at stop. False when it must wait for a rotation.
    /// </summary>
    private bool TryAddSummary(ref bool any)
    {
        if (!_summaryHeld)
        {
            if (_unrecorded.Count == 0)
            {
                return true;
            }

            var now = _time.GetTimestamp();
            if (Volatile.Read(ref _stopping) == 0 && _lastSummary != long.MinValue && _time.GetElapsedTime(_lastSummary, now) < SummaryInterval)
            {
                return true;
            }

            if (!_unrecorded.TryTake(_summary))
            {
                return true;
            }

            _lastSummary = now;
            _summary.TimeUnixMilliseconds = _time.GetUtcNow().ToUnixTimeMilliseconds();
            _summaryHeld = true;
        }

        var mark = _pending.WrittenCount;
        var length = _serializer!.SerializeSummary(_summary, _chain.FileSeq, _chain.Seq + 1, _chain.PrevHash, _pending);
        if (_chain.FileBytes > 0 && _chain.FileBytes + length > _sink!.MaxFileBytes)
        {
            // As for a request record: held, written after the rotation with its new place in the chain.
            Truncate(_pending, mark);
            _rotateDue = true;
            any = true;
            return false;
        }

        _chain.Seq++;
        _chain.FileBytes += length;
        _serializer.LastHash.CopyTo(_chain.PrevHash);
        _pendingRecords++;
        _summaryHeld = false;
        Interlocked.Increment(ref Counters.Summaries);
        any = true;
        return true;
    }

    /// <summary>Serializes queued records (and a due summary) into the pending batch; stops at a rotation point. False when there was nothing.</summary>
    private bool FillBatch()
    {
        var queue = _queue!;
        var serializer = _serializer!;
        var any = false;
        if (!TryAddSummary(ref any))
        {
            return true;
        }

        while (_pendingRecords < MaxBatchRecords && _pending.WrittenCount < MaxBatchBytes && queue.Peek() is { } slot)
        {
            var mark = _pending.WrittenCount;
            int length;
            try
            {
                length = serializer.Serialize(slot, _chain.FileSeq, _chain.Seq + 1, _chain.PrevHash, _pending);
            }
#pragma warning disable CA1031 // a record the serializer cannot handle is a bug, but it must cost one record, not the process
            catch (Exception e)
#pragma warning restore CA1031
            {
                Truncate(_pending, mark);
                var share = slot.UnauthenticatedShare;
                queue.Release(slot);
                ReturnRoom(share);
                Interlocked.Increment(ref Counters.Dropped);
                AuditLog.RecordFailed(_logger, e.GetType().Name, e.Message);
                any = true;
                continue;
            }

            if (_chain.FileBytes > 0 && _chain.FileBytes + length > _sink!.MaxFileBytes)
            {
                // This record starts the next file (its file_seq and seq change): take it back, write
                // the batch, rotate, then serialize it again.
                Truncate(_pending, mark);
                _rotateDue = true;
                return true;
            }

            _chain.Seq++;
            _chain.FileBytes += length;
            serializer.LastHash.CopyTo(_chain.PrevHash);
            _pendingRecords++;
            var unauthenticated = slot.UnauthenticatedShare;
            queue.Release(slot);

            // After the release: room given back is a slot already free (TryClaimTaken relies on it).
            ReturnRoom(unauthenticated);
            any = true;
        }

        return any;
    }

    private static void Truncate(ArrayBufferWriter<byte> buffer, int length)
    {
        if (length == buffer.WrittenCount)
        {
            return;
        }

        // ArrayBufferWriter cannot shrink; re-append the kept prefix from a rented copy (rotation only, rare).
        var keep = ArrayPool<byte>.Shared.Rent(length);
        buffer.WrittenSpan[..length].CopyTo(keep);
        buffer.ResetWrittenCount();
        buffer.Write(keep.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(keep);
    }

    private void Failed(Exception e)
    {
        var failures = Interlocked.Increment(ref Counters.SinkFailures);
        Volatile.Write(ref _sinkFailing, 1);
        var now = _time.GetTimestamp();
        if (_lastFailureLog == long.MinValue || _time.GetElapsedTime(_lastFailureLog, now) >= LogInterval)
        {
            _lastFailureLog = now;
            AuditLog.SinkFailed(_logger, _sink!.Name, e.Message, failures);
        }
    }

    private void Recovered()
    {
        if (Volatile.Read(ref _sinkFailing) != 0)
        {
            Volatile.Write(ref _sinkFailing, 0);
            AuditLog.SinkRecovered(_logger, _sink!.Name);
        }
    }

    private void ReportDrops()
    {
        var dropped = Volatile.Read(ref Counters.Dropped);
        if (dropped == _droppedLogged)
        {
            return;
        }

        var now = _time.GetTimestamp();
        if (_lastDropLog == long.MinValue || _time.GetElapsedTime(_lastDropLog, now) >= LogInterval)
        {
            _lastDropLog = now;
            _droppedLogged = dropped;
            AuditLog.Dropped(_logger, dropped);
        }
    }
}
