namespace FastProxy.Host.Config;

/// <summary>
/// `audit:`: the tamper-evident audit trail (one JSON Lines record per decided request; see docs/audit.md).
/// </summary>
public sealed record AuditConfig
{
    /// <summary>Off means no audit records at all (and no refusals for a failing audit trail).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>"file" (default) or "stdout".</summary>
    public string Sink { get; init; } = "file";

    /// <summary>The active audit file, relative to the configuration file's directory unless absolute.</summary>
    public string Path { get; init; } = "audit/fastproxy-audit.jsonl";

    /// <summary>Rotate the active file before it would grow past this many bytes (default 100 MiB).</summary>
    public long MaxFileBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>How many files to keep, the active one included (default 10); the oldest rotated files are deleted.</summary>
    public int MaxFiles { get; init; } = 10;

    /// <summary>Records that may wait for the background writer; beyond it records are dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 8192;

    /// <summary>"deny" (default): refuse authenticated requests while the trail cannot record them; "allow": serve them unrecorded.</summary>
    public string OnAuditFailure { get; init; } = "deny";
}
