using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastProxy.Core.Transport.Epoll;

namespace FastProxy.Core.Transport;

/// <summary>
/// <see cref="SocketConnection.TransportOutput"/>: a PipeWriter that sends straight to the socket on
/// <see cref="FlushAsync"/> instead of going through a second Pipe and a send loop. Bytes live in
/// pool blocks only between GetMemory and the end of the flush, so an idle connection holds no
/// buffer, no send loop and no send event args (a pooled <see cref="SocketSender"/> is borrowed per flush).
/// Backpressure is the kernel's: FlushAsync completes when the socket took the bytes.
/// After the peer is gone (reset, abort) flushes return <c>IsCompleted</c> and drop the bytes.
/// <para>
/// On an epoll loop's thread, a one-block flush parks its block and returns at once; the loop sends it
/// when the batch of events it is dispatching is done (<see cref="EpollLoop.DeferSend"/>). Parked bytes
/// always go out before anything flushed after them: a later flush sends them first, on whatever thread
/// it runs, and a parked block the kernel could not take whole is drained before the next flush sends.
/// Backpressure then lags by one flush.
/// </para>
/// <para>
/// Who owns a block: the application while it writes into it; from the moment a flush has to wait for the kernel,
/// that flush (see <see cref="_sendState"/>), until its send completed or failed, when it returns the block itself;
/// a parked block, whoever won <see cref="_parkState"/>. Nothing returns a block another owner still holds: a block
/// back in the pool while a send still reads from it is handed to another connection, and its bytes reach the
/// wrong client (issue 10, item 10).
/// </para>
/// </summary>
internal sealed class SocketPipeWriter : PipeWriter, IDeferredSend
{
    private const int MaxBlockSize = 1024 * 1024;

    // _parkState: nothing parked; a block parked for the loop; a thread sending it (one non-blocking send);
    // the rest of it being sent asynchronously.
    private const int Idle = 0;
    private const int Parked = 1;
    private const int Sending = 2;
    private const int Draining = 3;

    // _sendState: no flush waiting for the kernel; one is; one is and someone waits for its end.
    private const int NoSend = 0;
    private const int SendInFlight = 1;
    private const int SendInFlightWaited = 2;

    private readonly SocketConnection _connection;
    private readonly MemoryPool<byte> _pool;
    private readonly int _blockSize;

    // The block being written, then the filled ones waiting for the flush, oldest first.
    private IMemoryOwner<byte>? _current;

    // _current's memory, read once per block: GetSpan/Advance run per header line, and going through
    // IMemoryOwner.Memory and Memory.Span each time showed in profiles.
    private Memory<byte> _currentMemory;
    private byte[]? _currentArray;
    private int _currentOffset;
    private int _currentLength;
    private List<BufferedBlock>? _filled;
    private List<ArraySegment<byte>>? _gather;
    private long _unflushed;
    private bool _completed;
    private volatile bool _dead;
    private volatile bool _cancelNextFlush;

    // 1 while a thread is inside FlushAsync's synchronous part (one writer at a time: a second one throws). A byte: it
    // fits beside the flags above, where an int would add a word to every connection's writer.
    private byte _flushing;

    // The wake-up of a flush waiting for the kernel, for CancelPendingFlush; null otherwise (an idle writer holds none).
    private TaskCompletionSource? _waitingFlush;

    // The parked block. Only the writer's own flow parks (Idle -> Parked: nobody else touches an idle
    // writer's parked fields). Whoever moves Parked -> Sending (compare-exchange: the loop at its batch's
    // end, a later flush from a flow that moved to another thread, or dispose) owns the block until it
    // publishes Idle, or Draining with the drain task. No lock: one per connection was ~40 bytes of an
    // idle connection's ~2 KB.
    private int _parkState;
    private IMemoryOwner<byte>? _parkedOwner;
    private ReadOnlyMemory<byte> _parkedBytes;
    private Task? _parkedDrain;

    // A flush the kernel cannot take at once (its buffer is full) goes asynchronous, and from that moment its blocks
    // (the several of a gathered send, or the one of a single-block send) leave the writer's fields for the send's own
    // frame: they belong to that send alone until it completed or failed, and it returns them to the pool. A
    // SocketAsyncEventArgs reads them until it completes (even after an abort closed the socket), so a dispose, or a
    // flush after an abort whose caller stopped waiting (a flush deadline), must not; the application writes on in
    // new blocks meanwhile. Only a flush that finds NoSend starts a send: flushes are serialized.
    private int _sendState;

    // Completed when the send in flight ends, for whoever waits for that (a flush or a dispose racing an abandoned
    // flush); created only then, so a flush allocates nothing.
    private TaskCompletionSource? _sendEnded;

    public SocketPipeWriter(SocketConnection connection, MemoryPool<byte> pool)
    {
        _connection = connection;
        _pool = pool;
        
        // A block pool's block size; array pools report a huge maximum, so use a page there.
        _blockSize = pool.MaxBufferSize is > 0 and <= MaxBlockSize ? pool.MaxBufferSize : PinnedBlockMemoryPool.DefaultBlockSize;
    }

    /// <summary>True once sending failed or the connection was aborted; later flushes report IsCompleted.</summary>
    public bool IsDead => _dead;

    /// <summary>True after <see cref="Complete"/>.</summary>
    public bool IsCompleted => _completed;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    /// <summary>True while bytes are written but not yet handed to the kernel: unflushed, flushed and parked, or flushed and still being sent.</summary>
    internal bool HasUnsentBytes => _unflushed > 0 || Volatile.Read(ref _parkState) != Idle || Volatile.Read(ref _sendState) != NoSend;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_completed)
        {
            ThrowCompleted();
        }

        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var needed = Math.Max(sizeHint, 1);
        if (_current is not null)
        {
            if (_currentMemory.Length - _currentLength >= needed)
            {
                return _currentMemory[_currentLength..];
            }

            RetireCurrent();
        }

        RentCurrent(needed);
        return _currentMemory;
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        if (_currentArray is not null && !_completed && (uint)sizeHint <= (uint)(_currentMemory.Length - _currentLength) && _currentMemory.Length > _currentLength)
        {
            return new Span<byte>(_currentArray, _currentOffset + _currentLength, _currentMemory.Length - _currentLength);
        }

        return GetMemory(sizeHint).Span;
    }

    public override void Advance(int bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        if (_current is null || (uint)bytes > (uint)(_currentMemory.Length - _currentLength))
        {
            ThrowBadAdvance(bytes);
        }

        _currentLength += bytes;
        _unflushed += bytes;
    }

    /// <summary>
    /// Sends what was written. Completes when the kernel took the bytes (or, on an epoll loop's thread, when a one-block
    /// flush was parked for the loop's batch end: see the class remarks). Cancellation follows <see cref="Pipe"/>'s
    /// writer: a token already cancelled, or cancelled while the flush waits for the kernel, throws
    /// <see cref="OperationCanceledException"/>; <see cref="CancelPendingFlush"/> makes the waiting (or else the next)
    /// flush return <see cref="FlushResult.IsCanceled"/>. Either way nothing written is lost: bytes already handed to a
    /// send still go out (a cancelled flush only stops waiting for them; the next flush waits for them first), bytes not
    /// yet handed over stay buffered for the next flush. Interrupting a send itself takes <see cref="TransportConnection.Abort"/>.
    /// <para>
    /// One writer at a time, as with any PipeWriter: a flush entered while another thread is still inside this method
    /// throws <see cref="InvalidOperationException"/>. A flush issued while an earlier one still waits for the kernel
    /// (its caller stopped waiting) is supported: it waits for that send, and its bytes go after.
    /// </para>
    /// </summary>
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<FlushResult>(cancellationToken);
        }

        if (Interlocked.Exchange(ref _flushing, (byte)1) != 0)
        {
            ThrowConcurrentFlush();
        }

        ValueTask<FlushResult> flush;
        try
        {
            flush = Flush(allowPark: true);
        }
        finally
        {
            Volatile.Write(ref _flushing, (byte)0);
        }

        // The common case: done at once (the kernel took everything, or the block was parked). No allocation.
        return flush.IsCompleted ? flush : WaitForSendAsync(flush, cancellationToken);
    }

    /// <summary>A flush that sends now, never parking the bytes for the loop (closing: the socket goes away next).</summary>
    internal ValueTask<FlushResult> FlushNowAsync() => Flush(allowPark: false);

    /// <summary>The loop's batch is done: send the parked block (<see cref="IDeferredSend"/>).</summary>
    void IDeferredSend.SendDeferred()
    {
        if (Interlocked.CompareExchange(ref _parkState, Sending, Parked) == Parked)
        {
            SendParked();
        }
    }

    private ValueTask<FlushResult> Flush(bool allowPark)
    {
        if (_cancelNextFlush)
        {
            _cancelNextFlush = false;
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
        }

        if (_dead)
        {
            // Only the application's blocks: a send still in flight (its flush abandoned before an abort) returns its own.
            ReleaseBuffers();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
        }

        if (Volatile.Read(ref _sendState) != NoSend)
        {
            // An earlier flush is still sending (its caller stopped waiting): these bytes go after its.
            return FlushAfterSendAsync(allowPark);
        }

        if (Volatile.Read(ref _parkState) != Idle)
        {
            return FlushAfterParkedAsync(allowPark);
        }

        if (_unflushed == 0)
        {
            ReleaseBuffers();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }

        if (_filled is { Count: > 0 })
        {
            return SendGatheredAsync(TakeBlocksForSend());
        }

        if (allowPark && EpollLoop.Dispatching is { } loop)
        {
            Park(loop);
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }

        // One block (heads, small bodies): a plain non-blocking send, with no async machinery at all.
        // Only a send the kernel cannot take whole goes through a SocketAsyncEventArgs, and only then
        // does .NET give the socket its async context (~0.5 KB that an idle connection would keep).
        switch (SendOnce(_currentMemory.Span[.._currentLength], out var sent, out var status))
        {
            case SendOutcome.Done:
                ReleaseBuffers();
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
            case SendOutcome.Failed:
                ReleaseBuffers();
                return new ValueTask<FlushResult>(Failed(new SocketException((int)status)));
            default:
                var rest = _currentMemory[sent.._currentLength];
                return FinishSingleAsync(TakeBlockForSend(), rest);
        }
    }

    /// <summary>
    /// A flush waiting for the kernel returns <see cref="FlushResult.IsCanceled"/> now (its send goes on: bytes handed to
    /// the kernel cannot be taken back; the next flush waits for it); with none waiting, the next flush returns
    /// <c>IsCanceled</c> at once without sending. A send is interrupted only by <see cref="TransportConnection.Abort"/>.
    /// </summary>
    public override void CancelPendingFlush()
    {
        _cancelNextFlush = true;
        if (Volatile.Read(ref _waitingFlush) is { } waiting && waiting.TrySetResult())
        {
            // The waiting flush took the cancellation; it is not left for the next one.
            _cancelNextFlush = false;
        }
    }

    /// <summary>
    /// No more writes. Bytes written but not flushed are sent when the connection is disposed. With an
    /// <paramref name="exception"/> the output failed (the application could not finish what it was writing, e.g. a
    /// body cut short): the exception is logged as the connection's error and the connection is aborted (reset), so the
    /// peer learns the stream is broken rather than seeing a clean end, and nothing buffered is sent.
    /// </summary>
    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        if (exception is not null)
        {
            Logging.TransportLog.ConnectionError(_connection.Logger, _connection.Id, "output completed with an error", exception);
            _connection.Abort();
        }
    }

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
#pragma warning disable MA0042 // Complete is synchronous here; there is nothing to await
        Complete(exception);
#pragma warning restore MA0042
        return default;
    }

    /// <summary>The send side is gone (abort, reset): drop what is buffered; flushes now report IsCompleted.</summary>
    internal void MarkDead() => _dead = true;

    /// <summary>Returns a block still parked (the connection closed without sending it) to its pool.</summary>
    internal void DropParked()
    {
        if (Interlocked.CompareExchange(ref _parkState, Sending, Parked) == Parked)
        {
            ReleaseParked();
            Volatile.Write(ref _parkState, Idle);
        }
    }

    /// <summary>
    /// Returns the application's blocks (written, not being sent) to their pool: after a flush, or when dropping data.
    /// Never a send's blocks: a send in flight returns those itself when it ends (<see cref="WhenSendsEndedAsync"/>).
    /// </summary>
    internal void ReleaseBuffers()
    {
        if (_filled is { Count: > 0 } filled)
        {
            foreach (var block in filled)
            {
                block.Owner.Dispose();
            }

            filled.Clear();
        }

        _current?.Dispose();
        ClearCurrent();
        _currentLength = 0;
        _unflushed = 0;
    }

    /// <summary>The kernel took only part of the single block (now the send's, <paramref name="block"/>): send the rest, <paramref name="rest"/>, asynchronously.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> FinishSingleAsync(IMemoryOwner<byte> block, ReadOnlyMemory<byte> rest)
    {
        try
        {
            await SendAllAsync(rest);
            return new FlushResult(isCanceled: false, isCompleted: false);
        }
        catch (Exception ex)
        {
            return Failed(ex);
        }
        finally
        {
            EndSend(block, null);
        }
    }

    /// <summary>Sends all of <paramref name="bytes"/> through a pooled <see cref="SocketSender"/> (the kernel's buffer was full: each send waits for room).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes)
    {
        var sender = SocketSender.Rent();
        try
        {
            while (!bytes.IsEmpty)
            {
                var sent = await sender.SendAsync(_connection.Socket, bytes);
                bytes = bytes[sent..];
            }
        }
        finally
        {
            SocketSender.Return(sender);
        }
    }

    /// <summary>Several blocks (the send's own, <paramref name="blocks"/>): one sendmsg with an iovec per block (looping on partial sends).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendGatheredAsync(List<BufferedBlock> blocks)
    {
        var sender = SocketSender.Rent();
        try
        {
            var gather = _gather ??= [];
            gather.Clear();
            foreach (var block in blocks)
            {
                if (!MemoryMarshal.TryGetArray<byte>(block.Owner.Memory[..block.Length], out var segment))
                {
                    ThrowNotArrayBacked();
                }

                gather.Add(segment);
            }

            while (gather.Count > 0)
            {
                var sent = await sender.SendAsync(_connection.Socket, gather);
                var skip = 0;
                while (skip < gather.Count && sent >= gather[skip].Count)
                {
                    sent -= gather[skip].Count;
                    skip++;
                }

                gather.RemoveRange(0, skip);
                if (sent > 0)
                {
                    gather[0] = gather[0][sent..];
                }
            }

            return new FlushResult(isCanceled: false, isCompleted: false);
        }
        catch (Exception ex)
        {
            return Failed(ex);
        }
        finally
        {
            _gather?.Clear();
            SocketSender.Return(sender);
            EndSend(null, blocks);
        }
    }

    /// <summary>
    /// A gathered flush starts: the filled blocks (and the current one), list and all, become the send's; the
    /// application's next blocks go to a new list, or to this one once the send gives it back empty (<see cref="EndSend"/>),
    /// so a flush allocates nothing after the first.
    /// </summary>
    private List<BufferedBlock> TakeBlocksForSend()
    {
        RetireCurrent();
        var blocks = _filled!;
        _filled = null;
        _unflushed = 0;
        Volatile.Write(ref _sendState, SendInFlight);
        return blocks;
    }

    /// <summary>A single-block flush the kernel took only part of: the block becomes the send's; writing goes on in a new one.</summary>
    private IMemoryOwner<byte> TakeBlockForSend()
    {
        var block = _current!;
        ClearCurrent();
        _currentLength = 0;
        _unflushed = 0;
        Volatile.Write(ref _sendState, SendInFlight);
        return block;
    }

    /// <summary>The send in flight completed or failed: nothing reads its blocks any more, so they go back to the pool now (and only now).</summary>
    private void EndSend(IMemoryOwner<byte>? single, List<BufferedBlock>? blocks)
    {
        single?.Dispose();
        if (blocks is not null)
        {
            foreach (var block in blocks)
            {
                block.Owner.Dispose();
            }

            blocks.Clear();

            // The empty list serves the application's next blocks, unless it started a new one while this send was
            // abandoned (it writes on its own thread meanwhile; then this one is left to the GC).
            Interlocked.CompareExchange(ref _filled, blocks, null);
        }

        if (Interlocked.Exchange(ref _sendState, NoSend) == SendInFlightWaited)
        {
            Interlocked.Exchange(ref _sendEnded, null)?.TrySetResult();
        }
    }

    /// <summary>
    /// Completes when no send of this writer is in flight any more: an asynchronous flush's, or a parked block's drain.
    /// After the socket is closed they end promptly (a pending send fails), and every block they held is back in its pool.
    /// </summary>
    internal async ValueTask WhenSendsEndedAsync()
    {
        while (true)
        {
            if (Volatile.Read(ref _sendState) != NoSend)
            {
                await WhenSendEnded().ConfigureAwait(false);
            }
            else if (Volatile.Read(ref _parkState) is var park && park is Sending or Draining)
            {
                if (park == Draining && Volatile.Read(ref _parkedDrain) is { } drain)
                {
                    // Never faults: the drain records a failure and returns.
                    await drain.ConfigureAwait(false);
                }
                else
                {
                    // One non-blocking send, or the drain publishing Idle: microseconds.
                    await Task.Yield();
                }
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>
    /// A task that completes when the send in flight ends (at once when none is). It may complete early (a waiter of
    /// an earlier send woke with it): callers check <see cref="_sendState"/> again. Waiting is rare (a flush or a close
    /// racing an abandoned flush), so the wake-up is made only then.
    /// </summary>
    private Task WhenSendEnded()
    {
        while (true)
        {
            var state = Volatile.Read(ref _sendState);
            if (state == NoSend)
            {
                return Task.CompletedTask;
            }

            var ended = Volatile.Read(ref _sendEnded);
            if (ended is null)
            {
                var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ended = Interlocked.CompareExchange(ref _sendEnded, fresh, null) ?? fresh;
            }

            // The wake-up is in place before the state says someone waits, so the send's end (state first, then
            // the wake-up) finds it: either this waiter moves the state to Waited, or it sees Waited after placing it.
            if (state == SendInFlight)
            {
                if (Interlocked.CompareExchange(ref _sendState, SendInFlightWaited, SendInFlight) == SendInFlight)
                {
                    return ended.Task;
                }
            }
            else if (Volatile.Read(ref _sendState) == SendInFlightWaited)
            {
                return ended.Task;
            }
            else if (Interlocked.CompareExchange(ref _sendEnded, null, ended) == ended)
            {
                // The send ended before the wake-up was in place: nobody else will complete it.
                ended.TrySetResult();
            }
        }
    }

    /// <summary>An earlier flush is still sending: wait for its end, then flush as usual (its bytes go first).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> FlushAfterSendAsync(bool allowPark)
    {
        while (Volatile.Read(ref _sendState) != NoSend)
        {
            await WhenSendEnded().ConfigureAwait(false);
        }

        return await Flush(allowPark).ConfigureAwait(false);
    }

    /// <summary>What one non-blocking send did: took everything, took <c>sent</c> bytes (possibly none) of a full buffer, or failed.</summary>
    private enum SendOutcome
    {
        Done,
        Partial,
        Failed,
    }

    /// <summary>One non-blocking send, through the engine's calls (<see cref="SocketConnection.UsesSyscalls"/>).</summary>
    private SendOutcome SendOnce(ReadOnlySpan<byte> bytes, out int sent, out SocketError status)
    {
        try
        {
            sent = _connection.UsesSyscalls
                ? SocketSyscalls.Send(_connection.Socket, bytes, out status)
                : _connection.Socket.Send(bytes, SocketFlags.None, out status);
        }
        catch (ObjectDisposedException)
        {
            // Closed under us (an abort): the bytes have nowhere to go.
            sent = 0;
            status = SocketError.OperationAborted;
            return SendOutcome.Failed;
        }

        if (status == SocketError.Success)
        {
            return sent == bytes.Length ? SendOutcome.Done : SendOutcome.Partial;
        }

        sent = 0;
        return status == SocketError.WouldBlock ? SendOutcome.Partial : SendOutcome.Failed;
    }

    /// <summary>Hands the current block to <paramref name="loop"/>, to be sent when its batch is done; writing goes on in a new block.</summary>
    private void Park(EpollLoop loop)
    {
        _parkedOwner = _current;
        _parkedBytes = _currentMemory[.._currentLength];
        ClearCurrent();
        _currentLength = 0;
        _unflushed = 0;
        Volatile.Write(ref _parkState, Parked);
        loop.DeferSend(this);
    }

    /// <summary>State Sending (the caller won it): one non-blocking send; what the kernel does not take is drained asynchronously.</summary>
    private void SendParked()
    {
        if (!_dead)
        {
            var outcome = SendOnce(_parkedBytes.Span, out var sent, out var status);
            if (outcome == SendOutcome.Partial)
            {
                _parkedBytes = _parkedBytes[sent..];
                _parkedDrain = DrainParkedAsync();
                Volatile.Write(ref _parkState, Draining);
                return;
            }

            if (outcome == SendOutcome.Failed)
            {
                ParkedSendFailed(new SocketException((int)status));
            }
        }

        ReleaseParked();
        Volatile.Write(ref _parkState, Idle);
    }

    /// <summary>Sends the rest of a parked block the kernel could not take at once; the next flush waits for it.</summary>
    private async Task DrainParkedAsync()
    {
        // Off the caller's stack first: a send that completes inline would otherwise publish Idle before
        // the caller has published Draining (and this task).
        await Task.Yield();
        Exception? failure = null;
        try
        {
            await SendAllAsync(_parkedBytes);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        // The caller publishes Draining right after starting this task; wait for it before publishing Idle.
        var spin = default(SpinWait);
        while (Volatile.Read(ref _parkState) != Draining)
        {
            spin.SpinOnce();
        }

        if (failure is not null)
        {
            ParkedSendFailed(failure);
        }

        ReleaseParked();
        _parkedDrain = null;
        Volatile.Write(ref _parkState, Idle);
    }

    /// <summary>Parked bytes go out before this flush's: send them (or wait for their drain), then flush as usual.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> FlushAfterParkedAsync(bool allowPark)
    {
        var spin = default(SpinWait);
        while (true)
        {
            var state = Volatile.Read(ref _parkState);
            if (state == Idle)
            {
                break;
            }

            if (state == Parked)
            {
                if (Interlocked.CompareExchange(ref _parkState, Sending, Parked) == Parked)
                {
                    SendParked();
                }
            }
            else if (state == Sending)
            {
                // Another thread is in one non-blocking send of the parked block: microseconds.
                spin.SpinOnce();
            }
            else if (Volatile.Read(ref _parkedDrain) is { } drain)
            {
                // Draining: the task is published before the state.
                await drain.ConfigureAwait(false);
            }
            else
            {
                // The drain is publishing Idle.
                spin.SpinOnce();
            }
        }

        return await Flush(allowPark).ConfigureAwait(false);
    }

    /// <summary>
    /// A deferred send failed after its flush had reported success: later flushes report IsCompleted, and the
    /// socket is shut down so that a read waiting for the peer's answer ends (as it would on the peer's reset).
    /// </summary>
    private void ParkedSendFailed(Exception ex)
    {
        _dead = true;
        _connection.OnSendFailed(ex);
        try
        {
            _connection.Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception shutdownError) when (shutdownError is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private void ReleaseParked()
    {
        _parkedOwner?.Dispose();
        _parkedOwner = null;
        _parkedBytes = default;
    }

    /// <summary>A send failed: later flushes report IsCompleted. The caller returns the blocks it owns.</summary>
    private FlushResult Failed(Exception ex)
    {
        _dead = true;
        _connection.OnSendFailed(ex);
        return new FlushResult(isCanceled: false, isCompleted: true);
    }

    private void RentCurrent(int needed)
    {
        // Larger than a block: a one-off from the shared pool (returned after the flush like any block).
        _current = needed <= _blockSize ? _pool.Rent(_blockSize) : MemoryPool<byte>.Shared.Rent(needed);
        _currentMemory = _current.Memory;
        if (MemoryMarshal.TryGetArray<byte>(_currentMemory, out var segment))
        {
            _currentArray = segment.Array;
            _currentOffset = segment.Offset;
        }

        _currentLength = 0;
    }

    private void ClearCurrent()
    {
        _current = null;
        _currentMemory = default;
        _currentArray = null;
        _currentOffset = 0;
    }

    private void RetireCurrent()
    {
        if (_current is null)
        {
            return;
        }

        if (_currentLength == 0)
        {
            _current.Dispose();
        }
        else
        {
            (_filled ??= []).Add(new BufferedBlock(_current, _currentLength));
        }

        ClearCurrent();
        _currentLength = 0;
    }

    /// <summary>
    /// The flush has to wait for the kernel: wait for its send, unless the token fires (throws) or
    /// <see cref="CancelPendingFlush"/> is called (returns <c>IsCanceled</c>). Only flushes that wait get here, and they
    /// allocate their wake-up; the send goes on after either, owning its blocks until it ends.
    /// </summary>
    private async ValueTask<FlushResult> WaitForSendAsync(ValueTask<FlushResult> flush, CancellationToken cancellationToken)
    {
        var send = flush.AsTask();
        var canceled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waitingFlush, canceled);
        if (_cancelNextFlush)
        {
            // Cancelled between the flush's start and here.
            _cancelNextFlush = false;
            canceled.TrySetResult();
        }

        await using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), canceled)
            : default;
        try
        {
            var first = await Task.WhenAny(send, canceled.Task).ConfigureAwait(false);
            if (first == send)
            {
                return await send.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            return new FlushResult(isCanceled: true, isCompleted: false);
        }
        finally
        {
            Interlocked.CompareExchange(ref _waitingFlush, null, canceled);
        }
    }

    private static void ThrowConcurrentFlush() =>
        throw new InvalidOperationException("Concurrent flushes are not supported: a PipeWriter has one writer at a time.");

    private static void ThrowCompleted() => throw new InvalidOperationException("Writing is not allowed after the writer was completed.");

    private static void ThrowBadAdvance(int bytes) => throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Advanced past the memory returned by GetMemory.");

    private static void ThrowNotArrayBacked() => throw new InvalidOperationException("Gathered sends need array-backed pool blocks.");

    private readonly record struct BufferedBlock(IMemoryOwner<byte> Owner, int Length);
}
