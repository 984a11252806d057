using System.Buffers;
using System.IO.Pipelines;
using FastProxy.Core.Transport;
using FastProxy.Http.Forwarding;

namespace FastProxy.Http.Http2.Streams;

/// <summary>
/// One HTTP/2 request stream as a request handler sees it (RFC 9113 §8.1): its validated request head (the
/// <see cref="IForwardedRequest"/> view the forwarder and the gate read, the same as an HTTP/1.1 head), its body and
/// trailers as they arrive, and the calls that answer it. The connection owns the wire: flow control, HPACK,
/// framing and stream state stay behind this interface. Spans stay valid until the handler's task ends.
/// </summary>
/// <remarks>
/// The request head has passed <see cref="Http2RequestValidator"/> and the shared request-target checks before the
/// handler sees it: pseudo-headers as RFC 9113 §8.3 says, no connection-specific fields, lowercase names, values
/// that are safe to restate in an HTTP/1.1 head, <c>:path</c> and <c>:authority</c> through
/// <see cref="Semantics.RequestTarget"/>. <see cref="IForwardedRequest.Host"/> is the authority's host (no port),
/// <see cref="IForwardedRequest.ForwardedAuthority"/> the authority as received.
/// </remarks>
internal interface IHttp2RequestStream : IForwardedRequest
{
    /// <summary>The stream identifier (odd, client-initiated).</summary>
    int StreamId { get; }

    /// <summary>The client connection: addresses, listener, TLS facts (SNI, ALPN, client certificate).</summary>
    TransportConnection Connection { get; }

    /// <summary>The <c>:scheme</c> pseudo-header as received.</summary>
    ReadOnlySpan<byte> Scheme { get; }

    /// <summary>Whether the request carried <c>expect: 100-continue</c> and a body follows.</summary>
    bool ExpectContinue { get; }

    /// <summary>How many regular request fields (no pseudo-headers) the head has; with <see cref="GetField"/> walks them in order.</summary>
    int FieldCount { get; }

    /// <summary>The regular request field at <paramref name="index"/> (lowercase name, value as decoded).</summary>
    void GetField(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value);

    /// <summary>
    /// The request body: DATA payloads in order, completed at END_STREAM (after trailers, when there are any). Advancing
    /// it returns flow-control credit to the client, so an unread body stalls the client, never the proxy's memory.
    /// A read throws <see cref="Http2StreamAbortedException"/> once the stream is reset or the connection fails; a body
    /// that breaks its declared content-length is reported the same way (the connection resets the stream with
    /// PROTOCOL_ERROR). Complete it (with or without an exception) when done; unread data is then discarded.
    /// </summary>
    PipeReader RequestBody { get; }

    /// <summary>How many trailer fields arrived; valid once <see cref="RequestBody"/> reported completion.</summary>
    int TrailerCount { get; }

    /// <summary>The request trailer field at <paramref name="index"/>.</summary>
    void GetTrailer(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value);

    /// <summary>Cancelled when the client resets the stream or the connection ends before the response is done.</summary>
    CancellationToken Aborted { get; }

    /// <summary>Sends an interim 100 (Continue) response head (RFC 9110 §10.1.1); no-op when a final head has been sent.</summary>
    ValueTask WriteContinueAsync();

    /// <summary>
    /// Adds one field to the response head (or, after the head was sent, to the trailers) being built. The stream
    /// lowercases names and refuses connection-specific fields (connection, keep-alive, proxy-connection,
    /// transfer-encoding, upgrade: RFC 9113 §8.2.2) by dropping them; the caller need not filter those.
    /// </summary>
    void AddResponseField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);

    /// <summary>Sends the response head: <c>:status</c> and the fields added so far; with END_STREAM when <paramref name="endStream"/>.</summary>
    ValueTask WriteResponseHeadAsync(int status, bool endStream);

    /// <summary>
    /// Sends body bytes as DATA, waiting for the client's connection and stream windows (RFC 9113 §6.9) and splitting
    /// at its SETTINGS_MAX_FRAME_SIZE. False when the stream can no longer be written (reset, connection gone).
    /// </summary>
    ValueTask<bool> WriteDataAsync(ReadOnlySequence<byte> data, bool endStream);

    /// <summary>
    /// Writes the response head (no END_STREAM) without waiting for it to be sent: it leaves with the next write that
    /// waits, or with <see cref="FlushAsync"/>. For a handler that has body to write at once; it must flush before it
    /// waits for anything else, or the client waits for a head that sits in the proxy.
    /// </summary>
    void HoldResponseHead(int status);

    /// <summary>
    /// Like <see cref="WriteDataAsync"/> without END_STREAM, but returns without waiting for the bytes to be sent
    /// while the stream holds at most 16 KiB unsent (past that it waits as <see cref="WriteDataAsync"/> does). The
    /// same duty as <see cref="HoldResponseHead"/>: flush before waiting for anything else.
    /// </summary>
    ValueTask<bool> HoldDataAsync(ReadOnlySequence<byte> data);

    /// <summary>Waits until every held write reached the transport. False when the stream can no longer be written.</summary>
    ValueTask<bool> FlushAsync();

    /// <summary>Ends the response: trailers from the fields added since the head (END_STREAM on HEADERS), or an empty DATA with END_STREAM when none were added.</summary>
    ValueTask<bool> CompleteResponseAsync();

    /// <summary>Abandons the stream with RST_STREAM and <paramref name="code"/> (e.g. after the head was sent and the upstream failed).</summary>
    void Reset(Http2ErrorCode code);
}
