namespace FastProxy.Host.Config;

/// <summary>Per-process and per-request size limits.</summary>
public sealed record LimitsConfig
{
    /// <summary>Concurrent client connections across all listeners.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>Request line cap (414 beyond it). 8 KiB is what RFC 9112 §3 recommends at minimum to support.</summary>
    public int MaxRequestLineBytes { get; init; } = 8192;

    /// <summary>All header field lines together (431 beyond it).</summary>
    public int MaxHeaderBytes { get; init; } = 32_768;

    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Request body cap (413 beyond it); 0 means unlimited. Default 100 MiB.</summary>
    public long MaxBodyBytes { get; init; } = 104_857_600;
}
