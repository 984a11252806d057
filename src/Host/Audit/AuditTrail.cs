using FastProxy.Core.Observability;
using FastProxy.Host.Config;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Audit;

/// <summary>
/// The tamper-evident audit trail: one hash-chained JSON Lines record per decided request (docs/audit.md).
/// <para>
/// The request thread only copies the record into a preallocated queue slot (no I/O, no lock, no
/// allocation); a dedicated background thread serializes, chains and writes. A failing sink is retried.
/// </para>
/// <para>
/// Room in the queue is counted apart from the ring itself: a request that is to be served with a
/// record takes its room when it is decided (<see cref="TryReserveRecord"/>), so the record it was
/// promised always finds a slot, however full the queue got meanwhile; with `on_audit_failure: deny`
/// a request that cannot be promised one is refused, decided once. Records of unauthenticated
/// requests (no validated principal: missing or invalid tokens, no route, public routes) and of
/// denials may hold at most a quarter of the queue, so a flood of them cannot take the room allowed
/// requests need;
/// beyond their share they are counted and written as periodic summary records in the chain.
/// </para>
/// </summary>
public sealed partial class AuditTrail : IRequestObserver, IAsyncDisposable
{
    /// <summary>
    /// How often the writer looks at the queue. It is not woken per record, nor per batch: on the
    /// proxy's single core every wake-up is a context switch plus a futex call on the request
    /// thread (measured with strace on the peers scenario: ~2 writes and a wake per 128 records
    /// before). Each wake-up still cost ~15 µs of the shared core (switch, futex, a cold cache), so
    /// at 5 ms the ~250 wake-ups a second were ~6% of the writer's time; at 20 ms a wake-up gathers
    /// ~1,300 records at 65k requests/s (well under the quarter-full early wake of the default
    /// 8,192-slot queue), and a record still reaches the OS within ~20 ms when traffic is light.
    /// </summary>
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(20);

    /// <summary>A power of two: the request path looks at the queue depth only every this many records.</summary>
    private const int WakeEveryRecords = 128;

    /// <summary>Spins of <see cref="TryClaimTaken"/> before it gives up (never reached while the room accounting holds).</summary>
    private const int MaxClaimSpins = 100;

    /// <summary>Between two attempts at a failing sink (empirically: quick recovery, no busy loop on a full disk).</summary>
    private static readonly TimeSpan DefaultRetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long <see cref="DisposeAsync"/> waits for the writer to flush before giving up.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly AuditQueue? _queue;
    private readonly IAuditSink? _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _retryInterval;
    /// <summary>
    /// Wakes the writer early (stop, a queue past the wake depth). Spin count 0: SemaphoreSlim and a
    /// spinning event yield the core a few times per wait before blocking (seen with strace as ~3
    /// sched_yield per idle wait), which on a one-core proxy are context switches for nothing.
    /// </summary>
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 0);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _wakeDepth;

    /// <summary>Most room unauthenticated records may hold (a quarter of the queue).</summary>
    private readonly long _unauthenticatedShare;
    private readonly AuditUnrecordedTally _unrecorded = new();

    /// <summary>Room taken: records in the queue plus reservations whose record has not come yet. Never above the capacity.</summary>
    private long _committed;

    /// <summary>The part of <see cref="_committed"/> taken by unauthenticated records. Never above <see cref="_unauthenticatedShare"/>.</summary>
    private long _unauthenticatedCommitted;
    private int _writerIdle;
    private int _sinkFailing;
    private int _stopping;

    private AuditTrail(AuditQueue? queue, IAuditSink? sink, bool denyOnFailure, TimeProvider time, ILogger logger, TimeSpan retryInterval)
    {
        _queue = queue;
        _sink = sink;
        _time = time;
        _logger = logger;
        _retryInterval = retryInterval;
        DenyOnFailure = denyOnFailure;
        Counters = new AuditCounters(queue);

        // A quarter full: the writer fell behind its polling (a burst, a slow disk); wake it rather than drop.
        _wakeDepth = queue is null ? long.MaxValue : Math.Max(1, queue.Capacity / 4);
        _unauthenticatedShare = queue is null ? 0 : Math.Max(1, queue.Capacity / 4);
    }

    public AuditCounters Counters { get; }

    /// <summary>`on_audit_failure: deny` (the default): refuse authenticated requests while <see cref="IsAuditAvailable"/> is false.</summary>
    public bool DenyOnFailure { get; }

    /// <summary>Whether the trail writes at all (`audit.enabled`).</summary>
    public bool Enabled => _queue is not null;

    /// <summary>True while the sink cannot be opened or written (for an alarm on the admin endpoint).</summary>
    public bool IsSinkFailing => Volatile.Read(ref _sinkFailing) != 0;

    /// <summary>False while no room is left for an authenticated request's record, the sink is failing, or the trail is stopped.</summary>
    public bool IsAuditAvailable
    {
        get
        {
            var queue = _queue;
            if (queue is null)
            {
                return true;
            }

            return Volatile.Read(ref _sinkFailing) == 0 && Volatile.Read(ref _stopping) == 0 && Volatile.Read(ref _committed) < queue.Capacity;
        }
    }

    /// <summary>
    /// Takes room for the record of a request about to be served (request thread; no allocation). False,
    /// and nothing taken, while the sink is failing, the trail is stopping, or the queue's room is all
    /// taken: the one place the fail-closed stance is decided.
    /// </summary>
    public bool TryReserveRecord(out AuditReservation reservation)
    {
        reservation = default;
        var queue = _queue;
        if (queue is null)
        {
            // No trail: nothing to reserve, and never a refusal because of it.
            return true;
        }

        if (Volatile.Read(ref _sinkFailing) != 0 || Volatile.Read(ref _stopping) != 0 || !TryTake(ref _committed, queue.Capacity))
        {
            return false;
        }

        reservation = new AuditReservation(this);
        return true;
    }

    /// <summary>Starts the trail for <paramref name="config"/>; a relative path is resolved against <paramref name="baseDirectory"/>.</summary>
    public static AuditTrail Create(AuditConfig config, string baseDirectory, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.Enabled)
        {
            return new AuditTrail(null, null, denyOnFailure: false, time, logger, DefaultRetryInterval);
        }

        IAuditSink sink = string.Equals(config.Sink, "stdout", StringComparison.Ordinal)
            ? new StreamAuditSink("stdout", Console.OpenStandardOutput)
            : new FileAuditSink(System.IO.Path.Combine(baseDirectory, config.Path), config.MaxFileBytes, config.MaxFiles, logger);
        return Start(sink, config.QueueCapacity, !string.Equals(config.OnAuditFailure, "allow", StringComparison.Ordinal), time, logger, DefaultRetryInterval);
    }

    /// <summary>Starts a trail over any sink (tests: a throwing stream, a short retry interval).</summary>
    internal static AuditTrail Start(IAuditSink sink, int queueCapacity, bool denyOnFailure, TimeProvider time, ILogger logger, TimeSpan retryInterval)
    {
        var trail = new AuditTrail(new AuditQueue(queueCapacity), sink, denyOnFailure, time, logger, retryInterval);

        // Open once here, so an unwritable path is known (and logged) before the first request; the
        // writer keeps retrying if it failed.
        trail.TryOpen();
        var thread = new Thread(trail.WriterLoop)
        {
            IsBackground = true,
            Name = "fastproxy-audit",
        };
        thread.Start();
        return trail;
    }

    /// <summary>
    /// Queues the record (request thread): copies, never blocks, never allocates once the slots are warm. A
    /// record with a reservation always has a slot; one without takes room now, or is counted: an
    /// unauthenticated one for the next summary record, any other as dropped.
    /// </summary>
    public void OnRequestCompleted(in RequestRecord record)
    {
        var queue = _queue;
        if (queue is null)
        {
            return;
        }

        var time = record.StartUnixMilliseconds > 0 ? record.StartUnixMilliseconds : _time.GetUtcNow().ToUnixTimeMilliseconds();
        var unauthenticated = false;
        if (!record.AuditReservation.IsFrom(this))
        {
            if (Volatile.Read(ref _stopping) != 0)
            {
                Interlocked.Increment(ref Counters.Dropped);
                return;
            }

            // Denials share the quarter with unauthenticated requests: one valid low-privilege token spamming a
            // forbidden route must not take the room that other users' allowed requests reserve either.
            unauthenticated = record.Gate.Subject is null || record.Outcome == RequestOutcome.Denied;
            if (!TryTakeRoom(queue, unauthenticated))
            {
                if (unauthenticated)
                {
                    _unrecorded.Add(record.Outcome, time);
                    Interlocked.Increment(ref Counters.Summarised);
                }
                else
                {
                    Interlocked.Increment(ref Counters.Dropped);
                }

                return;
            }
        }

        if (!TryClaimTaken(queue, out var slot, out var position))
        {
            // Unreachable while the room accounting holds (see TryClaimTaken); counted, never silent.
            ReturnRoom(unauthenticated);
            Interlocked.Increment(ref Counters.Dropped);
            return;
        }

        slot.Fill(record, time, unauthenticated);
        queue.Publish(position);
        if ((position & (WakeEveryRecords - 1)) == 0 && queue.Count >= _wakeDepth && Volatile.Read(ref _writerIdle) != 0 && Interlocked.Exchange(ref _writerIdle, 0) != 0)
        {
            _wake.Set();
        }
    }

    /// <summary>Gives back room the writer has emptied (a slot released) or a producer could not use.</summary>
    private void ReturnRoom(bool unauthenticated)
    {
        Interlocked.Decrement(ref _committed);
        if (unauthenticated)
        {
            Interlocked.Decrement(ref _unauthenticatedCommitted);
        }
    }

    /// <summary>Room for a record that has none reserved: an unauthenticated one only within its share.</summary>
    private bool TryTakeRoom(AuditQueue queue, bool unauthenticated)
    {
        if (unauthenticated && !TryTake(ref _unauthenticatedCommitted, _unauthenticatedShare))
        {
            return false;
        }

        if (TryTake(ref _committed, queue.Capacity))
        {
            return true;
        }

        if (unauthenticated)
        {
            Interlocked.Decrement(ref _unauthenticatedCommitted);
        }

        return false;
    }

    /// <summary>Adds one to <paramref name="counter"/> unless that would take it past <paramref name="limit"/>.</summary>
    private static bool TryTake(ref long counter, long limit)
    {
        var current = Volatile.Read(ref counter);
        while (current < limit)
        {
            var seen = Interlocked.CompareExchange(ref counter, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>
    /// Claims a slot for a record that holds room. Room is given back only after its slot is released
    /// (<see cref="AuditQueue.Release"/> then <see cref="ReturnRoom"/>), so while this record holds room
    /// fewer than Capacity slots are in use and the claim succeeds; the bounded spin only covers a
    /// release whose stores this core has not seen yet.
    /// </summary>
    private static bool TryClaimTaken(AuditQueue queue, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out AuditSlot slot, out long position)
    {
        var spin = default(SpinWait);
        while (!queue.TryClaim(out slot, out position))
        {
            if (spin.Count >= MaxClaimSpins)
            {
                return false;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }

        return true;
    }

    /// <summary>Stops taking records, writes what is queued (bounded wait if the sink is failing) and closes the sink.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_queue is null || Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        _wake.Set();
        try
        {
            await _stopped.Task.WaitAsync(StopTimeout, _time);
        }
        catch (TimeoutException)
        {
            // The writer is stuck in a sink call (e.g. a hung network file system); it is a background thread and dies with the process.
        }

        // _wake is deliberately not disposed: a request thread that passed the stopping check a moment
        // ago may still Set it, and that must never throw into the data path.
    }
}
