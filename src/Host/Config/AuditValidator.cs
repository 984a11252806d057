namespace FastProxy.Host.Config;

/// <summary>`audit:`: a known sink, a path for the file sink, sane rotation and queue sizes, a known failure stance.</summary>
internal static class AuditValidator
{
    /// <summary>Smallest rotation size: a file must hold at least a few records (one is about 1 KiB, a capped path 2 KiB).</summary>
    public const long MinFileBytes = 64 * 1024;

    /// <summary>Largest queue: each slot keeps up to ~2.5 KiB of copied request fields, so 1M slots is already ~2.5 GiB worst case.</summary>
    public const int MaxQueueCapacity = 1 << 20;

    /// <summary>Retention beyond this is the job of a log shipper, not of the proxy's directory.</summary>
    public const int MaxFilesLimit = 10_000;

    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        var audit = config.Audit;
        if (audit is null)
        {
            errors.Add("audit", "must be a mapping");
            return;
        }

        if (audit.Sink is not ("file" or "stdout"))
        {
            errors.Add("audit.sink", $"unknown audit sink '{audit.Sink}'; expected file or stdout");
        }

        if (string.Equals(audit.Sink, "file", StringComparison.Ordinal) && string.IsNullOrWhiteSpace(audit.Path))
        {
            errors.Add("audit.path", "the file sink needs a path");
        }

        if (audit.MaxFileBytes < MinFileBytes)
        {
            errors.Add("audit.max_file_bytes", $"must be at least {MinFileBytes} bytes");
        }

        if (audit.MaxFiles is < 1 or > MaxFilesLimit)
        {
            errors.Add("audit.max_files", $"must be between 1 and {MaxFilesLimit}");
        }

        if (audit.QueueCapacity is < 2 or > MaxQueueCapacity)
        {
            errors.Add("audit.queue_capacity", $"must be between 2 and {MaxQueueCapacity}");
        }

        if (audit.OnAuditFailure is not ("allow" or "deny"))
        {
            errors.Add("audit.on_audit_failure", $"unknown stance '{audit.OnAuditFailure}'; expected allow or deny");
        }
    }
}
