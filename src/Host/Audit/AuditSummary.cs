using FastProxy.Core.Observability;

namespace FastProxy.Host.Audit;

/// <summary>
/// What one summary record says (docs/audit.md, "Unauthenticated records under pressure"): how many
/// unauthenticated requests, between which times and with which outcomes, were counted instead of
/// recorded one by one. Owned by the writer and reused.
/// </summary>
internal sealed class AuditSummary
{
    /// <summary>One counter per <see cref="RequestOutcome"/> value.</summary>
    public const int OutcomeCount = (int)RequestOutcome.AuditUnavailable + 1;

    public long Count { get; set; }

    /// <summary>Head-complete time of the first and the last request counted (Unix milliseconds).</summary>
    public long FirstUnixMilliseconds { get; set; }

    public long LastUnixMilliseconds { get; set; }

    /// <summary>When the writer made the summary (Unix milliseconds): the record's `time`.</summary>
    public long TimeUnixMilliseconds { get; set; }

    public long[] ByOutcome { get; } = new long[OutcomeCount];
}
