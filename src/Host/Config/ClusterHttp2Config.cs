namespace FastProxy.Host.Config;

/// <summary>
/// `http2:` of a cluster whose protocol is `h2c` or `h2`: the settings the proxy advertises to the upstream and the
/// limits it holds the upstream to (maps to FastProxy.Http.Http2.Client.Http2UpstreamOptions; docs/grpc.md).
/// </summary>
public sealed record ClusterHttp2Config
{
    /// <summary>Streams the proxy opens on one connection at most (fewer when the upstream's SETTINGS_MAX_CONCURRENT_STREAMS is lower).</summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE advertised: response-body bytes one stream may have in flight.</summary>
    public int InitialWindowSize { get; init; } = 256 * 1024;

    /// <summary>The connection's receive window: response-body bytes in flight across all its streams.</summary>
    public int ConnectionWindowSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE advertised and enforced on response heads and trailers.</summary>
    public int MaxHeaderListSize { get; init; } = 32 * 1024;

    /// <summary>SETTINGS_HEADER_TABLE_SIZE advertised: the HPACK dynamic table the upstream may fill on the proxy's side.</summary>
    public int HeaderTableSize { get; init; } = 4096;

    /// <summary>One compressed response field block across HEADERS and its CONTINUATIONs.</summary>
    public int MaxFieldBlockBytes { get; init; } = 64 * 1024;

    /// <summary>A connection without streams for this long is sent a PING; 0: never.</summary>
    public double PingIntervalSeconds { get; init; } = 30;

    /// <summary>A PING not acknowledged within this time closes its connection.</summary>
    public double PingTimeoutSeconds { get; init; } = 10;

    /// <summary>How long a connection that got or sent GOAWAY may keep its open streams.</summary>
    public double DrainSeconds { get; init; } = 30;
}
