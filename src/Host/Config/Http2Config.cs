namespace FastProxy.Host.Config;

/// <summary>
/// `http2:`: the limits of the HTTP/2 server side (RFC 9113 §10.5 defences), for listeners whose protocol is `h2c` or
/// `auto`. The request head deadline is `timeouts.header_seconds` and the drain `timeouts.drain_seconds`, as for
/// HTTP/1.1. Defaults are in docs/http2.md with what happens past each limit.
/// </summary>
public sealed record Http2Config
{
    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS: streams one connection may have open (more are refused with REFUSED_STREAM).</summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE: request-body bytes one stream may have in flight before the proxy reads them.</summary>
    public int InitialWindowSize { get; init; } = 64 * 1024;

    /// <summary>The connection's receive window: request-body bytes in flight across all its streams.</summary>
    public int ConnectionWindowSize { get; init; } = 1024 * 1024;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE: a request head's decoded size (name + value + 32 per field); 431 past it.</summary>
    public int MaxHeaderListSize { get; init; } = 32 * 1024;

    /// <summary>SETTINGS_HEADER_TABLE_SIZE: the HPACK dynamic table a client may fill on the proxy's side.</summary>
    public int HeaderTableSize { get; init; } = 4096;

    /// <summary>One compressed field block across HEADERS and its CONTINUATIONs (the CONTINUATION flood bound).</summary>
    public int MaxFieldBlockBytes { get; init; } = 64 * 1024;

    /// <summary>Streams a client may reset within `flood_window_seconds` (rapid reset, CVE-2023-44487): past it, GOAWAY ENHANCE_YOUR_CALM.</summary>
    public int MaxResetsPerWindow { get; init; } = 200;

    /// <summary>Frames that cost work but make no progress (SETTINGS, PING, PRIORITY, empty DATA, WINDOW_UPDATE) within the window.</summary>
    public int MaxControlFramesPerWindow { get; init; } = 5000;

    /// <summary>The window the two budgets above count over.</summary>
    public double FloodWindowSeconds { get; init; } = 10;

    /// <summary>How long a response may wait on a zero send window before its stream is reset (a client that never reads).</summary>
    public double SendStallSeconds { get; init; } = 30;

    /// <summary>A connection without open streams for this long is closed with GOAWAY.</summary>
    public double IdleSeconds { get; init; } = 120;
}
