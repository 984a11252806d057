using FastProxy.Core.Observability;

namespace FastProxy.Host.Audit;

/// <summary>
/// Unauthenticated records that found the unauthenticated share of the queue full: counted here by
/// the request threads, and turned by the writer into one summary record in the chain, so they are
/// never lost without a trace. A lock, not atomics: the count, the outcomes and the time span must
/// move together into one summary; the lock is taken only while the share is full, and never
/// allocates.
/// </summary>
internal sealed class AuditUnrecordedTally
{
    private readonly Lock _lock = new();
    private readonly long[] _byOutcome = new long[AuditSummary.OutcomeCount];
    private long _count;
    private long _first;
    private long _last;

    /// <summary>Requests counted since the last summary (a racy read: for the writer's "is one due").</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Counts one request (request thread).</summary>
    public void Add(RequestOutcome outcome, long timeUnixMilliseconds)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                _first = timeUnixMilliseconds;
                _last = timeUnixMilliseconds;
            }
            else
            {
                _first = Math.Min(_first, timeUnixMilliseconds);
                _last = Math.Max(_last, timeUnixMilliseconds);
            }

            // An outcome added later than this build's enum counts in the total only.
            if ((uint)outcome < (uint)_byOutcome.Length)
            {
                _byOutcome[(int)outcome]++;
            }

            Volatile.Write(ref _count, _count + 1);
        }
    }

    /// <summary>Moves what was counted into <paramref name="summary"/> and starts counting afresh (writer); false when nothing was counted.</summary>
    public bool TryTake(AuditSummary summary)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                return false;
            }

            summary.Count = _count;
            summary.FirstUnixMilliseconds = _first;
            summary.LastUnixMilliseconds = _last;
            _byOutcome.CopyTo(summary.ByOutcome, 0);
            Array.Clear(_byOutcome);
            Volatile.Write(ref _count, 0);
            return true;
        }
    }
}
