using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;
using FastProxy.Core.Logging;
using FastProxy.Core.Transport.Epoll;

namespace FastProxy.Core.Transport;

/// <summary>
/// <see cref="SocketConnection.TransportInput"/>: a PipeReader fed straight from the socket, without a Pipe
/// and without a receive-loop task (together ~700 B per connection). A zero-byte receive stays
/// armed while the buffer is below <see cref="SocketConnectionOptions.MaxReadBufferSize"/>; when it
/// completes, the socket is drained with non-blocking receives into pool blocks (appending to the
/// last block while it has room) and a waiting read completes. Idle connections hold no block:
/// everything is returned as soon as the application consumes it. Reading stops (backpressure)
/// while the unconsumed bytes reach the limit, and resumes on <see cref="AdvanceTo(SequencePosition, SequencePosition)"/>.
/// Thread-safety: one reader (the protocol loop); <see cref="CancelPendingRead"/> from any thread.
/// </summary>
internal sealed class SocketPipeReader : PipeReader, IValueTaskSource<ReadResult>, IEpollHandler, IDisposable
{
    /// <summary>Receive into the last block only while it has at least this much room; else take a fresh block.</summary>
    private const int MinReceiveSpace = 256;

    /// <summary>Marks a <see cref="ProcessReceiveCompletion"/> call as coming from an epoll event (a bit epoll_wait never reports: EPOLLONESHOT is an input flag).</summary>
    private const uint EventSeen = 0x4000_0000;

    private const int MaxBlockSize = 1024 * 1024;

    /// <summary>Marks the input ended once the application stopped reading: nobody sees it, so no exception is built or logged.</summary>
    private static readonly ConnectionAbortedException ReaderGone = new("The connection was closed.");

    private readonly SocketConnection _connection;
    private readonly Socket _socket;
    private readonly MemoryPool<byte> _pool;
    private readonly int _blockSize;
    private readonly int _maxBuffered;
    private readonly SocketReceiver? _receiver;
    private readonly EpollEngine? _engine;
    private EpollRegistration _registration;
    private readonly Lock _sync = new();

    private ManualResetValueTaskSourceCore<ReadResult> _core;
    private CancellationTokenRegistration _tokenRegistration;
    private CancellationToken _readToken;

    // Buffered bytes: [_consumedIndex, _endIndex) in absolute stream positions, in _head.._tail.
    private ReceiveSegment? _head;
    private ReceiveSegment? _tail;
    private int _headIndex;
    private long _consumedIndex;
    private long _examinedIndex;
    private long _endIndex;

    private bool _readerWaiting;

    /// <summary>
    /// Epoll mode: the socket may hold bytes we have not received (set by an event, and while receiving
    /// stopped at the buffer limit); cleared when a receive found it empty. Edge-triggered epoll reports
    /// only new bytes, so while this is false we wait for the next event instead of asking the kernel.
    /// </summary>
    private bool _readReady = true;

    /// <summary>Epoll reported the peer's FIN, a hang-up or an error: a short receive no longer means the socket is empty (the FIN is still to be read).</summary>
    private bool _peerHungUp;
    private bool _receivePending;
    private bool _cancelRequested;
    private volatile bool _eof;
    private volatile Exception? _error;
    private bool _completed;

    // Called once when the input fails (a reset, an error) while set: lets a protocol that is not reading (it waits on
    // an upstream) learn at once that its client is gone. A static delegate and a state object: nothing per request.
    private Action<object?>? _onFailed;
    private object? _onFailedState;

    public SocketPipeReader(SocketConnection connection, Socket socket, SocketConnectionOptions options)
    {
        _connection = connection;
        _socket = socket;
        _pool = options.Pool;
        _blockSize = _pool.MaxBufferSize is > 0 and <= MaxBlockSize ? _pool.MaxBufferSize : PinnedBlockMemoryPool.DefaultBlockSize;
        _maxBuffered = Math.Max(options.MaxReadBufferSize, _blockSize);
        _engine = options.Epoll;
        if (_engine is null)
        {
            _receiver = new SocketReceiver(this);
        }
    }

    /// <summary>
    /// Sets (or, with null, clears) the callback run once when the input fails (reset or error; not a FIN, which a
    /// client half-closing after its request also sends). Already failed: it runs at once, on the caller's thread.
    /// </summary>
    public void OnInputFailed(Action<object?>? callback, object? state)
    {
        lock (_sync)
        {
            if (callback is null || _error is null)
            {
                _onFailed = callback;
                _onFailedState = state;
                return;
            }
        }

        callback(state);
    }

    /// <summary>Epoll: a mark of the progress of the loop that runs this reader's handler (<see cref="EpollLoop.ProgressMark"/>); -1 on .NET's engine.</summary>
    public long EventProgressMark => _registration.Loop?.ProgressMark ?? -1;

    /// <summary>
    /// Epoll: whether every event the kernel had for this socket when <paramref name="mark"/> was taken has reached
    /// this reader, so that the bytes or FIN it announced are in the buffer (or <see cref="IsEnded"/>). False on
    /// .NET's engine and for a mark of -1.
    /// </summary>
    public bool HasEventsBefore(long mark) =>
        mark >= 0 && _registration.Loop is { } loop && (loop.HasDispatchedEverythingBefore(mark) || loop.HasNothingPendingFor(_registration.Key, mark));

    /// <summary>FIN received, or the connection failed: no more bytes will arrive.</summary>
    public bool IsEnded => _eof || _error is not null;

    private long Buffered => _endIndex - _consumedIndex;

    /// <summary>Arms the first zero-byte receive. The socket must be non-blocking (drains use non-blocking receives).</summary>
    public void Start()
    {
        lock (_sync)
        {
            _receivePending = true;
        }

        if (_engine is not null)
        {
            try
            {
                _registration = _engine.NextLoop().Add(_socket, this, EpollInterop.EpollIn | EpollInterop.EpollRdHup);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                lock (_sync)
                {
                    _receivePending = false;
                }

                Fail(ex);
                return;
            }
        }

        Receive();
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        bool arm;
        lock (_sync)
        {
            if (_completed)
            {
                ThrowReaderCompleted();
            }

            if (TryGetResultLocked(out var ready, ignoreExamined: false))
            {
                return new ValueTask<ReadResult>(ready);
            }

            _readerWaiting = true;
            _core.Reset();
            if (cancellationToken.CanBeCanceled)
            {
                // Lock is reentrant: a token cancelled right now runs the callback inline, which takes it again.
                _readToken = cancellationToken;
                _tokenRegistration = cancellationToken.UnsafeRegister(static s => ((SocketPipeReader)s!).OnReadTokenCanceled(), this);
            }

            arm = ShouldArmLocked();
            if (arm)
            {
                _receivePending = true;

                // Epoll: with nothing known to be there, the next event does the receive.
                arm = _engine is null || _readReady;
            }
        }

        if (arm)
        {
            Receive();
        }

        return new ValueTask<ReadResult>(this, _core.Version);
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_sync)
        {
            if (_completed)
            {
                ThrowReaderCompleted();
            }

            // Like Pipe.TryRead: any unconsumed byte counts, examined or not.
            return TryGetResultLocked(out result, ignoreExamined: true);
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        bool arm;
        lock (_sync)
        {
            if (_completed)
            {
                ThrowReaderCompleted();
            }

            // Before consuming: consuming returns segments to the process-wide recycler, and a segment another
            // connection takes at once carries that connection's stream position. An examined index read from it
            // afterwards could lie far beyond our bytes, and the next read would wait for them forever.
            var examinedIndex = ExaminedIndexLocked(examined);
            ConsumeLocked(consumed);
            _examinedIndex = Math.Max(examinedIndex, _consumedIndex);
            arm = ShouldArmLocked();
            if (arm)
            {
                _receivePending = true;

                // Epoll: with nothing known to be there, the next event does the receive.
                arm = _engine is null || _readReady;
            }
        }

        if (arm)
        {
            // Backpressure released: resume receiving.
            Receive();
        }
    }

    public override void CancelPendingRead()
    {
        ReadResult result;
        lock (_sync)
        {
            if (!_readerWaiting)
            {
                // The next ReadAsync returns IsCanceled at once.
                _cancelRequested = true;
                return;
            }

            _readerWaiting = false;
            result = new ReadResult(GetBufferLocked(), isCanceled: true, isCompleted: _eof);
        }

        // Called from the heartbeat or another connection's thread: never run the reader's code there.
        CompleteWaiter(result, error: null, runAsynchronously: true);
    }

    public override void Complete(Exception? exception = null)
    {
        lock (_sync)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            ReleaseAllLocked();
        }

        FailWaitingRead();
    }

    /// <summary>
    /// The connection is closing: a read still waiting (a layer above that kept reading, such as a TLS pump whose handler
    /// disposed the connection first) fails now with <see cref="ConnectionAbortedException"/> instead of waiting forever
    /// and pinning that layer's task, and the close's own reads (linger) do not take its place unseen.
    /// </summary>
    internal void FailWaitingRead()
    {
        lock (_sync)
        {
            if (!_readerWaiting)
            {
                return;
            }

            _readerWaiting = false;
        }

        // Inline: the reader takes its result before the close reads again (linger), which resets the source.
        CompleteWaiter(default, new ConnectionAbortedException("The connection was closed while a read was pending."), runAsynchronously: false);
    }

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
#pragma warning disable MA0042 // Complete is synchronous here; there is nothing to await
        Complete(exception);
#pragma warning restore MA0042
        return default;
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            var registration = _tokenRegistration;
            _tokenRegistration = default;
            registration.Dispose();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>The connection was aborted: a waiting read fails now with <see cref="ConnectionAbortedException"/>.</summary>
    internal void OnAborted()
    {
        _registration.Dispose();
        Fail(new ConnectionAbortedException());
    }

    /// <summary>Frees the receive event args once the socket is closed (safe while an operation is still completing).</summary>
    public void Dispose()
    {
        _receiver?.Dispose();
        _registration.Dispose();
    }

    /// <summary>Completion of the armed zero-byte receive (from the socket engine's thread).</summary>
    internal void OnReceiveCompleted()
    {
        if (ProcessReceiveCompletion())
        {
            Arm();
        }
    }

    /// <summary>Epoll: the socket has news (bytes, FIN or an error); receive now if a receive is wanted.</summary>
    void IEpollHandler.OnEpollEvents(uint events)
    {
        if (ProcessReceiveCompletion(events | EventSeen))
        {
            Pump();
        }
    }

    /// <summary>Starts receiving (caller set <c>_receivePending</c>) with whichever engine this connection uses.</summary>
    private void Receive()
    {
        if (_engine is not null)
        {
            Pump();
        }
        else
        {
            Arm();
        }
    }

    /// <summary>Epoll: drains while the socket may have bytes; otherwise leaves the receive pending for the next event.</summary>
    private void Pump()
    {
        while (ProcessReceiveCompletion())
        {
        }
    }

    /// <summary>Starts the zero-byte receive (caller set <c>_receivePending</c>); loops over synchronous completions.</summary>
    private void Arm()
    {
        while (true)
        {
            bool pending;
            try
            {
                pending = _socket.ReceiveAsync(_receiver!);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException or InvalidOperationException)
            {
                lock (_sync)
                {
                    _receivePending = false;
                }

                Fail(ex);
                return;
            }

            if (pending || !ProcessReceiveCompletion())
            {
                return;
            }
        }
    }

    /// <summary>
    /// One pass under one lock (it runs per event and per read): drains what the socket has and takes a
    /// waiting read's result, completing it outside the lock. .NET's engine: after a zero-byte receive
    /// completed; returns whether to re-arm it. Epoll: records <paramref name="events"/> first and does
    /// nothing unless a receive is wanted and the socket may have bytes; returns whether another pass is
    /// due (still wanted and still possibly ready).
    /// </summary>
    private bool ProcessReceiveCompletion(uint events = 0)
    {
        ReadResult result = default;
        Exception? error = null;
        bool complete;
        Action<object?>? failed;
        object? failedState;
        bool again;
        lock (_sync)
        {
            if (_engine is not null)
            {
                if (events != 0)
                {
                    _readReady = true;
                    _peerHungUp |= (events & (EpollInterop.EpollRdHup | EpollInterop.EpollHup | EpollInterop.EpollErr)) != 0;
                }

                if (!_receivePending || !_readReady)
                {
                    return false;
                }
            }

            _receivePending = false;
            if (_receiver is not null && _receiver.SocketError != SocketError.Success)
            {
                SetErrorLocked(new SocketException((int)_receiver.SocketError));
            }
            else if (!_completed)
            {
                DrainLocked();
            }

            complete = TryCompleteWaiterLocked(out result, out error);
            failed = TakeFailedCallbackLocked(out failedState);
            var rearm = ShouldArmLocked();
            if (rearm)
            {
                _receivePending = true;
            }

            again = rearm && (_engine is null || _readReady);
        }

        // Outside the lock: the reader's continuation may run inline and call back into us.
        if (complete)
        {
            CompleteWaiter(result, error, runAsynchronously: false);
        }

        failed?.Invoke(failedState);
        return again;
    }

    /// <summary>Non-blocking receives until the socket is empty, the buffer is full, FIN or an error.</summary>
    private void DrainLocked()
    {
        while (Buffered < _maxBuffered)
        {
            var fresh = _tail is null || _tail.Free < MinReceiveSpace;
            var target = fresh ? ReceiveSegment.Rent(_pool.Rent(_blockSize), _endIndex) : _tail!;
            var space = target.FreeSpan;
            int received;
            SocketError status;
            try
            {
                received = _engine is not null ? SocketSyscalls.Receive(_socket, space, out status) : _socket.Receive(space, SocketFlags.None, out status);
            }
            catch (ObjectDisposedException ex)
            {
                if (fresh)
                {
                    ReceiveSegment.Return(target);
                }

                SetErrorLocked(ex);
                return;
            }

            if (status != SocketError.Success || received == 0)
            {
                if (fresh)
                {
                    ReceiveSegment.Return(target);
                }

                if (status == SocketError.WouldBlock)
                {
                    _readReady = false;
                    return;
                }

                if (status != SocketError.Success)
                {
                    SetErrorLocked(new SocketException((int)status));
                    return;
                }

                // FIN: the peer finished sending. A normal end of input.
                _eof = true;
                TransportLog.ConnectionFin(_connection.Logger, _connection.Id);
                return;
            }

            target.Commit(received);
            _endIndex += received;
            if (fresh)
            {
                if (_tail is null)
                {
                    _head = target;
                    _headIndex = 0;
                }
                else
                {
                    _tail.SetNext(target);
                }

                _tail = target;
            }

            if (received < space.Length && !_peerHungUp)
            {
                // The socket had less than we offered: it is empty now, skip the EAGAIN round trip
                // (epoll: the next byte to arrive raises a new edge).
                _readReady = false;
                return;
            }
        }
    }

    private bool TryGetResultLocked(out ReadResult result, bool ignoreExamined)
    {
        if (_cancelRequested)
        {
            _cancelRequested = false;
            result = new ReadResult(GetBufferLocked(), isCanceled: true, isCompleted: _eof);
            return true;
        }

        if (_error is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }

        if (_endIndex > (ignoreExamined ? _consumedIndex : _examinedIndex) || _eof)
        {
            result = new ReadResult(GetBufferLocked(), isCanceled: false, isCompleted: _eof);
            return true;
        }

        result = default;
        return false;
    }

    private bool TryCompleteWaiterLocked(out ReadResult result, out Exception? error)
    {
        result = default;
        error = null;
        if (!_readerWaiting)
        {
            return false;
        }

        if (_error is not null)
        {
            error = _error;
        }
        else if (_endIndex > _examinedIndex || _eof)
        {
            result = new ReadResult(GetBufferLocked(), isCanceled: false, isCompleted: _eof);
        }
        else
        {
            return false;
        }

        _readerWaiting = false;
        return true;
    }

    /// <summary>
    /// Data completions run the reader's continuation inline (the socket engine's thread, like a Pipe with
    /// an inline scheduler); cancellations and aborts come from foreign threads (heartbeat, shutdown) and
    /// are dispatched to the thread pool so one slow handler cannot stall a scan over many connections.
    /// </summary>
    private void CompleteWaiter(ReadResult result, Exception? error, bool runAsynchronously)
    {
        _core.RunContinuationsAsynchronously = runAsynchronously;
        if (error is null)
        {
            _core.SetResult(result);
        }
        else
        {
            _core.SetException(error);
        }
    }

    private void Fail(Exception ex)
    {
        ReadResult result;
        Exception? error;
        bool complete;
        Action<object?>? failed;
        object? failedState;
        lock (_sync)
        {
            SetErrorLocked(ex);
            complete = TryCompleteWaiterLocked(out result, out error);
            failed = TakeFailedCallbackLocked(out failedState);
        }

        if (complete)
        {
            CompleteWaiter(result, error, runAsynchronously: true);
        }

        failed?.Invoke(failedState);
    }

    /// <summary>The input-failed callback, once, when the input has failed (it is cleared so it never runs twice).</summary>
    private Action<object?>? TakeFailedCallbackLocked(out object? state)
    {
        state = null;
        if (_error is null || _onFailed is not { } callback)
        {
            return null;
        }

        state = _onFailedState;
        _onFailed = null;
        _onFailedState = null;
        return callback;
    }

    private void OnReadTokenCanceled()
    {
        lock (_sync)
        {
            if (!_readerWaiting)
            {
                return;
            }

            _readerWaiting = false;
        }

        CompleteWaiter(default, new OperationCanceledException(_readToken), runAsynchronously: true);
    }

    private bool ShouldArmLocked() => !_receivePending && !_eof && _error is null && !_completed && Buffered < _maxBuffered;

    private void SetErrorLocked(Exception ex) => _error ??= _completed ? ReaderGone : _connection.ClassifyReceiveError(ex);

    private ReadOnlySequence<byte> GetBufferLocked() =>
        _head is null ? default : new ReadOnlySequence<byte>(_head, _headIndex, _tail!, _tail!.Length);

    /// <summary>Whether <paramref name="segment"/> is one of ours (the chain is a block or two long).</summary>
    private bool HoldsLocked(ReceiveSegment segment)
    {
        for (var current = _head; current is not null; current = (ReceiveSegment?)current.Next)
        {
            if (ReferenceEquals(current, segment))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The stream index of <paramref name="examined"/>, which must be in the buffer this reader holds (else it throws, like a foreign consumed position).</summary>
    private long ExaminedIndexLocked(SequencePosition examined)
    {
        if (examined.GetObject() is not ReceiveSegment segment)
        {
            // A position in an empty buffer: nothing examined beyond what is consumed.
            return _consumedIndex;
        }

        var index = segment.RunningIndex + examined.GetInteger();
        if (index > _endIndex || !HoldsLocked(segment))
        {
            ThrowBadPosition();
        }

        return index;
    }

    private void ConsumeLocked(SequencePosition consumed)
    {
        if (consumed.GetObject() is not ReceiveSegment segment)
        {
            // A position in an empty buffer: nothing consumed.
            return;
        }

        var index = consumed.GetInteger();
        var consumedIndex = segment.RunningIndex + index;
        if (consumedIndex < _consumedIndex || consumedIndex > _endIndex || !HoldsLocked(segment))
        {
            ThrowBadPosition();
        }

        while (_head is not null && !ReferenceEquals(_head, segment))
        {
            var next = (ReceiveSegment?)_head.Next;
            ReceiveSegment.Return(_head);
            _head = next;
        }

        if (_head is null)
        {
            ThrowBadPosition();
        }

        _headIndex = index;
        _consumedIndex = consumedIndex;
        if (_consumedIndex == _endIndex)
        {
            // Everything consumed: give the block back so an idle connection holds none.
            ReleaseAllLocked();
        }
        else if (_headIndex == _head.Length)
        {
            var next = (ReceiveSegment)_head.Next!;
            ReceiveSegment.Return(_head);
            _head = next;
            _headIndex = 0;
        }
    }

    private void ReleaseAllLocked()
    {
        while (_head is not null)
        {
            var next = (ReceiveSegment?)_head.Next;
            ReceiveSegment.Return(_head);
            _head = next;
        }

        _tail = null;
        _headIndex = 0;
        _consumedIndex = _endIndex;
        _examinedIndex = Math.Max(_examinedIndex, _consumedIndex);
    }

    [DoesNotReturn]
    [StackTraceHidden]
    private static void ThrowReaderCompleted() => throw new InvalidOperationException("Reading is not allowed after the reader was completed.");

    [DoesNotReturn]
    [StackTraceHidden]
    private static void ThrowBadPosition() => throw new InvalidOperationException("The position is not within the buffer returned by the last read.");
}
