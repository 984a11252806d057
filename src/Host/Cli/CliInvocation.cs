namespace FastProxy.Host.Cli;

/// <summary>A parsed command line. Null or empty members were not given.</summary>
public sealed record CliInvocation
{
    public CliCommand Command { get; init; }

    /// <summary>--config FILE (run, check, policy explain).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>--listen ADDR, repeatable; replaces the file's listeners.</summary>
    public IReadOnlyList<string> Listen { get; init; } = [];

    public int? MaxConnections { get; init; }

    public double? HeaderTimeoutSeconds { get; init; }

    public double? IdleTimeoutSeconds { get; init; }

    public double? ConnectTimeoutSeconds { get; init; }

    public double? ResponseTimeoutSeconds { get; init; }

    public double? DrainTimeoutSeconds { get; init; }

    public int? MaxHeaderBytes { get; init; }

    public int? TokenCacheSize { get; init; }

    /// <summary>--log-level LEVEL, already checked to be a known level name.</summary>
    public string? LogLevel { get; init; }

    /// <summary>--admin ADDR.</summary>
    public string? AdminAddress { get; init; }

    /// <summary>--tls-cert FILE (absolute): TLS on every listener with this chain; given together with <see cref="TlsKey"/>.</summary>
    public string? TlsCertificate { get; init; }

    /// <summary>--tls-key FILE (absolute).</summary>
    public string? TlsKey { get; init; }

    /// <summary>The FILE of `policy test FILE`.</summary>
    public string? PolicyFile { get; init; }

    /// <summary>--request "GET https://host/path" of `policy explain`.</summary>
    public string? ExplainRequest { get; init; }

    /// <summary>--token T of `policy explain`.</summary>
    public string? ExplainToken { get; init; }

    /// <summary>--claims JSON of `policy explain`, already checked to be a JSON object.</summary>
    public string? ExplainClaims { get; init; }

    /// <summary>The FILEs of `audit verify FILE...`.</summary>
    public IReadOnlyList<string> AuditFiles { get; init; } = [];

    /// <summary>`--no-auth`: serve as a plain proxy without authentication or policy.</summary>
    public bool NoAuth { get; init; }

    /// <summary>`--io-engine epoll|sockets`, already checked; null: the platform default.</summary>
    public string? IoEngine { get; init; }
}
