using System.Net.Sockets;
using System.Runtime.InteropServices;
using FastProxy.Core.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Core.Transport.Epoll;

/// <summary>
/// One epoll set and the thread that waits on it, running each ready socket's handler inline (as
/// .NET's own engine does with inline completions, minus the speculative receive it issues before
/// every wait: our reader knows when it drained the socket, and with edge-triggered registration
/// it waits for the next edge without asking the kernel first).
/// Registrations are found by a slot index + generation carried in the event's data, never by a
/// pointer: an event that arrives after its registration was removed finds a newer generation and
/// is dropped (or, in a narrow race, reaches the slot's next owner as a harmless spurious wake-up).
/// <para>
/// Sends that handlers flush during a batch are deferred to the batch's end (<see cref="DeferSend"/>):
/// on loopback and in VMs, waking a sleeping peer (an IPI, a VM exit) costs more than the send itself,
/// and a peer woken by the first of several back-to-back sends finds the others without sleeping again.
/// No send waits longer than the batch it was flushed in, and a batch is cut short after
/// <see cref="MaxDeferredSends"/> parked sends, which bounds the added latency.
/// </para>
/// </summary>
internal sealed unsafe class EpollLoop
{
    private const int MaxEvents = 256;

    /// <summary>Parked sends that are sent at once rather than at the batch's end: a bound on how long the first waits.</summary>
    private const int MaxDeferredSends = 32;

    /// <summary>The loop whose batch this thread is dispatching (null outside a batch and on other threads).</summary>
    [ThreadStatic]
    private static EpollLoop? t_dispatching;

    private readonly int _epfd;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly Stack<int> _free = new();
    private Slot[] _slots = new Slot[256];
    private int _used;
    private readonly IDeferredSend?[] _deferred = new IDeferredSend?[MaxDeferredSends];
    private int _deferredCount;
    private bool _sendingDeferred;

    // Progress marks (written by the loop thread only): epoll_wait calls entered, and batches whose events were all dispatched.
    private long _waitsEntered;
    private long _batchesDispatched;

    // The batch being dispatched (read only on this loop's thread): its count and the event running now.
    private int _batchCount;
    private int _batchIndex;

    // Per registration slot, its event in the latest batch that had one (loop thread only): HasNothingPendingFor looks
    // up one entry instead of scanning the batch's rest, which it did for each of up to 64 idle upstream connections
    // a lease looks at (a batch under load holds hundreds of events).
    private PendingEvent[] _pendingEvents = new PendingEvent[256];

    public EpollLoop(int index, ILogger logger)
    {
        _epfd = EpollInterop.Create();
        _logger = logger;
        var thread = new Thread(Run) { IsBackground = true, Name = $"fastproxy-epoll-{index}" };
        thread.UnsafeStart();
    }

    /// <summary>The loop dispatching events on the calling thread right now, whose batch-end a send may be deferred to; null elsewhere.</summary>
    public static EpollLoop? Dispatching => t_dispatching;

    /// <summary>
    /// Sends <paramref name="send"/>'s parked bytes once this loop's current batch of events is dispatched.
    /// Only on the loop's own thread while it dispatches (<see cref="Dispatching"/>).
    /// </summary>
    public void DeferSend(IDeferredSend send)
    {
        if (_sendingDeferred)
        {
            // Deferred from inside a deferred send (the list is being walked): there is no later point to wait for.
            send.SendDeferred();
            return;
        }

        _deferred[_deferredCount++] = send;
        if (_deferredCount == MaxDeferredSends)
        {
            SendDeferred();
        }
    }

    /// <summary>
    /// A mark of this loop's progress for <see cref="HasDispatchedEverythingBefore"/>: the number of epoll_wait
    /// calls entered so far.
    /// </summary>
    public long ProgressMark => Volatile.Read(ref _waitsEntered);

    /// <summary>
    /// Whether every event the kernel had for this loop's sockets when <paramref name="mark"/> was taken has
    /// been dispatched to its handler: an epoll_wait entered after the mark has returned and its batch is done.
    /// Such an event was in the ready list before that wait began, so that wait (or an earlier one, whose batch
    /// is done too) returned it, unless the batch was full (more may wait in the kernel) or interrupted, which
    /// do not count. A reader's handler drains its socket inline, so its bytes or FIN are in the
    /// reader by then, visible without a syscall.
    /// </summary>
    public bool HasDispatchedEverythingBefore(long mark) => Volatile.Read(ref _batchesDispatched) > mark;

    /// <summary>
    /// On this loop's own thread, in the middle of a batch: whether everything the kernel had for the socket registered
    /// as <paramref name="key"/> when <paramref name="mark"/> was taken has been dispatched. True when the running
    /// batch's wait began after the mark (so it returned every event ready then, unless it was full) and none of its
    /// events still to be dispatched is that socket's. The common case under load, where <see cref="HasDispatchedEverythingBefore"/>
    /// has to wait for the batch to end: a connection released in one batch and taken by a request of the next.
    /// </summary>
    public bool HasNothingPendingFor(ulong key, long mark)
    {
        if (t_dispatching != this || _waitsEntered <= mark || _batchCount >= MaxEvents)
        {
            return false;
        }

        // Where the batch has this slot's event (the pre-pass in Run): found only if it is this registration's and still to come.
        var index = (int)(key >> 32);
        var pending = _pendingEvents;
        if ((uint)index >= (uint)pending.Length)
        {
            return true;
        }

        ref readonly var entry = ref pending[index];
        return entry.Wait != _waitsEntered || entry.Generation != (uint)key || entry.Position <= _batchIndex;
    }

    /// <summary>Adds <paramref name="socket"/> with <paramref name="events"/> (edge-triggered); the handler runs on this loop's thread.</summary>
    public EpollRegistration Add(Socket socket, IEpollHandler handler, uint events)
    {
        var key = Insert(handler);
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        var errno = EpollInterop.Control(_epfd, EpollInterop.CtlAdd, fd, events | EpollInterop.EpollEt, key);
        if (errno != 0)
        {
            Remove(key);
            throw new SocketException(errno == 9 ? (int)SocketError.OperationAborted : (int)SocketError.SocketError);
        }

        return new EpollRegistration(this, key);
    }

    /// <summary>Takes a still-open socket out of the set (only while the caller owns the open socket).</summary>
    public void Delete(Socket socket)
    {
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        _ = EpollInterop.Control(_epfd, EpollInterop.CtlDel, fd, 0, 0);
    }

    public void Remove(ulong key)
    {
        var index = (int)(key >> 32);
        var generation = (uint)key;
        lock (_sync)
        {
            ref var slot = ref _slots[index];
            if (slot.Generation == generation && slot.Handler is not null)
            {
                slot.Handler = null;
                _free.Push(index);
            }
        }
    }

    private ulong Insert(IEpollHandler handler)
    {
        lock (_sync)
        {
            if (!_free.TryPop(out var index))
            {
                if (_used == _slots.Length)
                {
                    var grown = new Slot[_slots.Length * 2];
                    _slots.AsSpan().CopyTo(grown);
                    Volatile.Write(ref _slots, grown);
                }

                index = _used++;
            }

            ref var slot = ref _slots[index];
            slot.Generation++;
            slot.Handler = handler;
            return ((ulong)(uint)index << 32) | slot.Generation;
        }
    }

    private IEpollHandler? Find(ulong key)
    {
        var slots = Volatile.Read(ref _slots);
        var index = (int)(key >> 32);
        if ((uint)index >= (uint)slots.Length)
        {
            return null;
        }

        var handler = slots[index].Handler;
        return slots[index].Generation == (uint)key ? handler : null;
    }

    private void Run()
    {
        var events = (EpollInterop.EpollEvent*)NativeMemory.Alloc(MaxEvents, (nuint)sizeof(EpollInterop.EpollEvent));
        while (true)
        {
            int count;
            var wait = _waitsEntered + 1;
            Volatile.Write(ref _waitsEntered, wait);
            try
            {
                count = EpollInterop.Wait(_epfd, events, MaxEvents);
            }
            catch (InvalidOperationException ex)
            {
                // Cannot happen with a valid epoll descriptor; if it does, every socket of this loop is stuck: say so loudly.
                TransportLog.EpollFailed(_logger, ex);
                return;
            }

            t_dispatching = this;
            _batchCount = count;
            NotePendingEvents(events, count, wait);
            for (var i = 0; i < count; i++)
            {
                _batchIndex = i;
                var handler = Find(events[i].Data);
                if (handler is null)
                {
                    continue;
                }

                try
                {
                    handler.OnEpollEvents(events[i].Events);
                }
                catch (Exception ex)
                {
                    // A handler must not take the loop (and every other connection on it) down with it.
                    TransportLog.EpollHandlerFailed(_logger, ex);
                }
            }

            t_dispatching = null;

            // A full batch may have left ready events in the kernel, and an interrupted wait (0) returned none:
            // neither proves that everything ready when the wait began is dispatched.
            if (count is > 0 and < MaxEvents)
            {
                Volatile.Write(ref _batchesDispatched, wait);
            }

            SendDeferred();
        }
    }

    /// <summary>
    /// Records, per slot, where this batch has its event. Each registration has at most one event in a batch (epoll
    /// reports a ready descriptor once per wait), and a slot freed and taken again during the batch belongs to a
    /// socket added after the wait, which the batch cannot hold: so one entry per slot, told apart by generation.
    /// </summary>
    private void NotePendingEvents(EpollInterop.EpollEvent* events, int count, long wait)
    {
        for (var i = 0; i < count; i++)
        {
            var key = events[i].Data;
            var index = (int)(key >> 32);
            if ((uint)index >= (uint)_pendingEvents.Length)
            {
                var slots = Volatile.Read(ref _slots).Length;
                if ((uint)index >= (uint)slots)
                {
                    continue; // Not a key of ours: Find drops its event too.
                }

                Array.Resize(ref _pendingEvents, slots);
            }

            _pendingEvents[index] = new PendingEvent(wait, i, (uint)key);
        }
    }

    private void SendDeferred()
    {
        // Sent in the order they were flushed; each is independent, and SendDeferred never throws.
        _sendingDeferred = true;
        try
        {
            for (var i = 0; i < _deferredCount; i++)
            {
                var send = _deferred[i]!;
                _deferred[i] = null;
                send.SendDeferred();
            }
        }
        finally
        {
            _deferredCount = 0;
            _sendingDeferred = false;
        }
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly record struct PendingEvent(long Wait, int Position, uint Generation);

    private struct Slot
    {
        public IEpollHandler? Handler;
        public uint Generation;
    }
}
