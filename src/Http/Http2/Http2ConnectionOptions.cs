using FastProxy.Core.Limits;
using FastProxy.Http.Http2.HPack;

namespace FastProxy.Http.Http2;

/// <summary>
/// The limits of one HTTP/2 server connection (RFC 9113 §10.5 defences). Every value has a safe default; the host
/// maps them to config keys. Immutable once built and shared by every connection of a listener.
/// </summary>
public sealed class Http2ConnectionOptions
{
    /// <summary>
    /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise and enforce: a HEADERS past it is refused with RST_STREAM
    /// REFUSED_STREAM (RFC 9113 §5.1.2). 100 is the value RFC 9113 §6.5.2 recommends as the floor.
    /// </summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>
    /// SETTINGS_INITIAL_WINDOW_SIZE we advertise: how many request-body bytes one stream may have in flight before the
    /// handler consumes them. Also the connection window we grant (the protocol starts it at 65,535; we raise it
    /// with a WINDOW_UPDATE). 64 KiB bounds what an unread body can make us buffer.
    /// </summary>
    public int InitialStreamWindowSize { get; init; } = 64 * 1024;

    /// <summary>The connection receive window (all streams' request bodies together): 1 MiB.</summary>
    public int ConnectionWindowSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise: the decoded size of a request head (name + value + 32 per field).
    /// A head over it gets a <c>431</c> response on its stream (the HPACK bomb defence); one over twice it stops the
    /// HPACK decoder and is a connection error (COMPRESSION_ERROR), because then the table can no longer be kept in step.
    /// </summary>
    public int MaxHeaderListSize { get; init; } = HPackDecoder.DefaultMaxHeaderListSize;

    /// <summary>SETTINGS_HEADER_TABLE_SIZE we advertise: the HPACK dynamic table the client may fill on our side.</summary>
    public int HeaderTableSize { get; init; } = (int)Http2Settings.DefaultHeaderTableSize;

    /// <summary>
    /// Bound on one compressed field block across HEADERS and its CONTINUATIONs, checked frame by frame before
    /// decoding (the CONTINUATION flood defence): past it, GOAWAY ENHANCE_YOUR_CALM.
    /// </summary>
    public int MaxFieldBlockSize { get; init; } = Http2FrameReader.DefaultMaxFieldBlockSize;

    /// <summary>
    /// Rapid reset (CVE-2023-44487): how many streams the client may reset (RST_STREAM before our response ended)
    /// within <see cref="FloodWindow"/>. Past it, GOAWAY ENHANCE_YOUR_CALM.
    /// </summary>
    public int MaxResetsPerWindow { get; init; } = 200;

    /// <summary>
    /// Frames that cost work but carry no request progress (SETTINGS, PING, PRIORITY, empty DATA without END_STREAM,
    /// WINDOW_UPDATE, RST_STREAM on closed streams, unknown frames) the client may send within <see cref="FloodWindow"/>.
    /// Past it, GOAWAY ENHANCE_YOUR_CALM. Generous: real clients send a handful per request.
    /// </summary>
    public int MaxControlFramesPerWindow { get; init; } = 5000;

    /// <summary>The window the reset and control-frame budgets count over.</summary>
    public TimeSpan FloodWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a response may wait on a send window of zero (the client's stream or connection window) before the
    /// stream is reset with CANCEL (the zero-window stall defence: a client that never reads pins the upstream).
    /// </summary>
    public TimeSpan SendWindowStallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection with no open stream for this long is closed with GOAWAY NO_ERROR.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Time allowed for the connection preface and for each request's field block, from its first frame to
    /// END_HEADERS (slowloris): past it, GOAWAY (PROTOCOL_ERROR for the preface, ENHANCE_YOUR_CALM for a block).
    /// </summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the client may take to acknowledge our SETTINGS (RFC 9113 §6.5.3: past "a reasonable amount of time"
    /// the sender "MAY issue a connection error of type SETTINGS_TIMEOUT"). Until then its view of our limits is
    /// unknown; a client that never acknowledges is cut with GOAWAY SETTINGS_TIMEOUT.
    /// </summary>
    public TimeSpan SettingsTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>On graceful drain (shutdown, reload), how long open streams may run on after GOAWAY before the connection is closed.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the connection checks its timeouts: they are honoured to within this much.</summary>
    public TimeSpan TimerInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The request rate limit of a new connection (limits.max_requests_per_connection_per_second), read once when the
    /// connection opens, so a reload applies to new connections: a stream over it gets 429 with Retry-After, and a
    /// client that has ten times its burst refused within <see cref="FloodWindow"/> gets GOAWAY ENHANCE_YOUR_CALM.
    /// </summary>
    public Func<RequestRateLimit> RequestRate { get; init; } = static () => RequestRateLimit.Unlimited;

    /// <summary>Streams refused by the request rate limit, shared by every connection these options serve.</summary>
    public RateLimitedRequests RateLimited { get; init; } = new();

    /// <summary>The clock of every timeout above (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
