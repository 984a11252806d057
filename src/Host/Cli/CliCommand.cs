namespace FastProxy.Host.Cli;

/// <summary>What the command line asks the process to do.</summary>
public enum CliCommand : byte
{
    /// <summary>Serve with a configuration file (the default command).</summary>
    Run,

    /// <summary>Built-in demo: proxy plus an in-process upstream; prints curl commands.</summary>
    Demo,

    /// <summary>Validate and compile the configuration without serving; exit 0 or 1.</summary>
    Check,

    /// <summary>Run the `tests:` section of a configuration file.</summary>
    PolicyTest,

    /// <summary>Explain the decision for one request against a configuration.</summary>
    PolicyExplain,

    /// <summary>Verify audit log files (reserved for the audit issue).</summary>
    AuditVerify,

    Help,

    Version,
}
