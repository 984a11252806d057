using System.Buffers;
using System.IO.Pipelines;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Http2.Client;

/// <summary>
/// One request stream on an upstream HTTP/2 connection, as a forwarding adapter drives it (the client-side mirror of
/// <see cref="IHttp2RequestStream"/>): build and send the request head, stream the body (waiting for the upstream's
/// flow-control windows: backpressure, never unbounded buffering), optionally trailers; read the response head, body
/// and trailers as they arrive (consuming the body returns flow-control credit to the upstream, so an unread body
/// stalls the upstream, never the proxy's memory). The connection owns the wire: HPACK, framing, SETTINGS, PING,
/// GOAWAY and stream state stay behind this interface. Request and response sides may run concurrently (gRPC
/// bidirectional streaming); each side has one caller at a time. Spans stay valid until <see cref="Release"/>.
/// </summary>
internal interface IHttp2UpstreamStream
{
    /// <summary>The stream identifier once the head was sent; 0 before.</summary>
    int StreamId { get; }

    /// <summary>
    /// The scheme of the upstream connection: <c>https</c> over TLS, else <c>http</c>. The request's <c>:scheme</c> must
    /// say it (RFC 9113 §8.3.1: the scheme of the target URI as this hop addresses it); servers such as Kestrel refuse a
    /// <c>:scheme</c> that does not match the connection. The client's own scheme travels as X-Forwarded-Proto.
    /// </summary>
    ReadOnlySpan<byte> Scheme { get; }

    /// <summary>
    /// Adds one field to the request head being built (before <see cref="SendRequestHeadAsync"/>) or, after it, to the
    /// request trailers (sent by <see cref="CompleteRequestAsync"/>). Pseudo-headers (:method, :scheme, :authority, :path)
    /// come first; names must be lowercase and carry no connection-specific field (RFC 9113 §8.2.2): the adapter filters.
    /// </summary>
    void AddRequestField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);

    /// <summary>
    /// Encodes the fields added so far and sends HEADERS (+ CONTINUATION), with END_STREAM when <paramref name="endStream"/>.
    /// False when it could not be sent (the connection went away first: the request reached no upstream, so
    /// <see cref="Http2UpstreamHeadOutcome.Refused"/> applies and it may be sent again on a new stream).
    /// </summary>
    ValueTask<bool> SendRequestHeadAsync(bool endStream);

    /// <summary>
    /// Like <see cref="SendRequestHeadAsync"/> without END_STREAM, but returns without waiting for the head to be sent:
    /// it leaves with the first body write (body writes wait for the transport), or with <see cref="FlushAsync"/>, so a
    /// request whose body is at hand goes as one send. The caller must flush before it waits for anything else.
    /// </summary>
    bool HoldRequestHead();

    /// <summary>Waits until a held head reached the transport. False when the stream can no longer be written.</summary>
    ValueTask<bool> FlushAsync();

    /// <summary>
    /// Sends request body bytes as DATA, split at the upstream's SETTINGS_MAX_FRAME_SIZE, waiting for its connection and
    /// stream windows. False when the stream can no longer be written (reset by the upstream, connection gone, deadline
    /// passed, or <paramref name="ct"/> cancelled: the caller decides from <see cref="ResetCode"/> and its own state).
    /// </summary>
    ValueTask<bool> WriteRequestDataAsync(ReadOnlySequence<byte> data, bool endStream, CancellationToken ct);

    /// <summary>Ends the request: trailers from the fields added since the head (HEADERS with END_STREAM), or an empty DATA with END_STREAM.</summary>
    ValueTask<bool> CompleteRequestAsync();

    /// <summary>
    /// Bounds the rest of the exchange: when <paramref name="timeout"/> passes before the response ends, the stream is
    /// reset with CANCEL, a pending head read returns <see cref="Http2UpstreamHeadOutcome.TimedOut"/> and body reads
    /// throw <see cref="Http2StreamAbortedException"/>; <see cref="DeadlineExpired"/> tells this apart from a reset by
    /// the upstream. A later call replaces the deadline; <see cref="Timeout.InfiniteTimeSpan"/> clears it.
    /// Allocation-free (the stream's timer is reused).
    /// </summary>
    void SetDeadline(TimeSpan timeout);

    /// <summary>True once the deadline passed.</summary>
    bool DeadlineExpired { get; }

    /// <summary>Waits for the final response head (interim 1xx heads are read and dropped). <paramref name="ct"/> cancelling resets the stream with CANCEL and throws.</summary>
    ValueTask<Http2UpstreamHeadOutcome> ReadResponseHeadAsync(CancellationToken ct);

    /// <summary>The response's :status once <see cref="ReadResponseHeadAsync"/> returned Complete.</summary>
    int Status { get; }

    /// <summary>How many regular fields the response head has (no pseudo-headers, lowercase names, values as decoded).</summary>
    int ResponseFieldCount { get; }

    void GetResponseField(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value);

    /// <summary>True when the response head carried END_STREAM: no body follows (a gRPC trailers-only response, a 204...).</summary>
    bool ResponseEndedWithHead { get; }

    /// <summary>
    /// The response body: DATA payloads in order, completed at END_STREAM (after trailers, when there are any). A read
    /// throws <see cref="Http2StreamAbortedException"/> (with the code) when the upstream resets the stream, the
    /// connection fails or the deadline passes. Advancing it returns flow-control credit to the upstream.
    /// </summary>
    PipeReader ResponseBody { get; }

    /// <summary>How many trailer fields arrived; valid once <see cref="ResponseBody"/> reported completion.</summary>
    int ResponseTrailerCount { get; }

    void GetResponseTrailer(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value);

    /// <summary>The code the upstream reset the stream with (RST_STREAM, or GOAWAY's for a stream it dropped); null while it has not.</summary>
    Http2ErrorCode? ResetCode { get; }

    /// <summary>Abandons the stream: RST_STREAM with <paramref name="code"/> to the upstream (CANCEL when the client went away) unless it already ended.</summary>
    void Reset(Http2ErrorCode code);

    /// <summary>
    /// Gives the stream back to its connection exactly once: a stream not finished both ways is reset with CANCEL first,
    /// unread response data is discarded (its credit returned), and the slot is free for another request.
    /// </summary>
    void Release();
}
