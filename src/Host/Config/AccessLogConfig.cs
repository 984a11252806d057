namespace FastProxy.Host.Config;

/// <summary>
/// `log.access:`: one line per request, separate from the audit trail (which is for decisions
/// and tamper evidence). Off by default.
/// </summary>
public sealed record AccessLogConfig
{
    public bool Enabled { get; init; }

    /// <summary>"common" (NCSA-like text) or "json".</summary>
    public string Format { get; init; } = "common";

    /// <summary>"stdout", or a file path (relative to the configuration file's directory).</summary>
    public string Path { get; init; } = "stdout";
}
