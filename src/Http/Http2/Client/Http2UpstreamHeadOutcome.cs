namespace FastProxy.Http.Http2.Client;

/// <summary>How waiting for an upstream stream's response head ended.</summary>
internal enum Http2UpstreamHeadOutcome : byte
{
    /// <summary>A final (non-1xx) response head arrived and is valid; 1xx heads are skipped.</summary>
    Complete,

    /// <summary>
    /// The upstream did not process the request (RFC 9113 §8.7): RST_STREAM REFUSED_STREAM, a GOAWAY whose last-stream-id
    /// is below the stream, or the connection lost before the head was written. Safe to send again on another connection,
    /// whatever the method.
    /// </summary>
    Refused,

    /// <summary>The upstream reset the stream (<see cref="IHttp2UpstreamStream.ResetCode"/>) after it may have processed it.</summary>
    Reset,

    /// <summary>The connection failed or closed after the stream's head was sent and before its response head.</summary>
    ConnectionLost,

    /// <summary>The deadline (<see cref="IHttp2UpstreamStream.SetDeadline"/>) passed first; the stream was reset with CANCEL.</summary>
    TimedOut,

    /// <summary>The response head broke RFC 9113 §8.3 (a bad or missing :status, a connection-specific field, a pseudo-header in trailers...); the stream was reset with PROTOCOL_ERROR.</summary>
    Invalid,
}
