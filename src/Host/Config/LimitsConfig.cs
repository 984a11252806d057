namespace FastProxy.Host.Config;

/// <summary>Per-process and per-request size limits.</summary>
public sealed record LimitsConfig
{
    /// <summary>Concurrent client connections across all listeners.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>
    /// Concurrent connections from one client address (0: no limit, the default: behind a load balancer without the
    /// PROXY protocol every client shares one address). One more is closed at accept, logged and counted.
    /// </summary>
    public int MaxConnectionsPerAddress { get; init; }

    /// <summary>New connections accepted per second over all listeners (0: no limit); beyond it accepting pauses and the flood waits in the kernel backlog.</summary>
    public int MaxAcceptsPerSecond { get; init; }

    /// <summary>
    /// Requests one client connection may start per second (0: no limit, the default): an HTTP/1.1 request over it is
    /// answered 429 with Retry-After and the connection closed; an HTTP/2 stream over it gets 429 on the stream.
    /// </summary>
    public int MaxRequestsPerConnectionPerSecond { get; init; }

    /// <summary>Requests a connection may start at once after a pause (0: the same as the rate, one second's worth).</summary>
    public int RequestBurstPerConnection { get; init; }

    /// <summary>Request line cap (414 beyond it). 8 KiB is what RFC 9112 §3 recommends at minimum to support.</summary>
    public int MaxRequestLineBytes { get; init; } = 8192;

    /// <summary>All header field lines together (431 beyond it).</summary>
    public int MaxHeaderBytes { get; init; } = 32_768;

    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Request body cap (413 beyond it); 0 means unlimited. Default 100 MiB.</summary>
    public long MaxBodyBytes { get; init; } = 104_857_600;
}
