namespace FastProxy.Http.Http2.Client;

/// <summary>
/// The HTTP/2 settings and limits of a cluster's upstream connections (the cluster's `http2:` keys). The pool's sizes,
/// waiter bounds and connect/idle timeouts stay in <see cref="Core.Upstream.UpstreamPoolOptions"/>. Immutable once
/// built and shared by every connection of a cluster.
/// </summary>
public sealed class Http2UpstreamOptions
{
    /// <summary>
    /// Streams we open on one connection at most, below the upstream's SETTINGS_MAX_CONCURRENT_STREAMS when that is
    /// lower: a new connection is opened only when every connection is at its limit.
    /// </summary>
    public int MaxConcurrentStreamsPerConnection { get; init; } = 100;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE we advertise: response-body bytes one stream may have in flight before the client side consumes them.</summary>
    public int InitialStreamWindowSize { get; init; } = 256 * 1024;

    /// <summary>The connection receive window (all streams' response bodies together).</summary>
    public int ConnectionWindowSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE we advertise and enforce on response heads and trailers (decoded size, RFC 9113 §6.5.2).</summary>
    public int MaxHeaderListSize { get; init; } = 32 * 1024;

    /// <summary>SETTINGS_HEADER_TABLE_SIZE we advertise: the HPACK dynamic table the upstream may fill on our side.</summary>
    public int HeaderTableSize { get; init; } = 4096;

    /// <summary>Bound on one compressed response field block across HEADERS and its CONTINUATIONs, checked before decoding.</summary>
    public int MaxFieldBlockSize { get; init; } = Http2FrameReader.DefaultMaxFieldBlockSize;

    /// <summary>A connection with no stream for this long is sent a PING; zero: never (keep-alive through NATs and idle-killing middleboxes).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A PING not acknowledged within this time closes its connection (its streams fail as ConnectionLost).</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a draining connection (GOAWAY received or sent) may keep its open streams before it is closed.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
