namespace FastProxy.Host.Audit;

#pragma warning disable CA1051 // public fields on purpose: Interlocked needs a ref to the field, readers use Volatile.Read

/// <summary>
/// What the audit trail did, for the metrics endpoint. Read the fields with `Volatile.Read`.
/// </summary>
public sealed class AuditCounters
{
    /// <summary>Records written to the sink (and flushed to the operating system).</summary>
    public long Written;

    /// <summary>Records refused because the queue was full or the trail was stopping (never written, not summarised).</summary>
    public long Dropped;

    /// <summary>Unauthenticated requests beyond their share of the queue: not recorded one by one, counted in a summary record.</summary>
    public long Summarised;

    /// <summary>Summary records written into the chain (each stands for some of <see cref="Summarised"/>).</summary>
    public long Summaries;

    /// <summary>Failed attempts to open, write or rotate the sink (each retry that fails counts again).</summary>
    public long SinkFailures;

    /// <summary>Files rotated.</summary>
    public long Rotations;

    private readonly AuditQueue? _queue;

    internal AuditCounters(AuditQueue? queue)
    {
        _queue = queue;
    }

    /// <summary>Records waiting for the background writer.</summary>
    public long QueueDepth => _queue?.Count ?? 0;

    /// <summary>How many records the queue can hold.</summary>
    public int QueueCapacity => _queue?.Capacity ?? 0;
}
