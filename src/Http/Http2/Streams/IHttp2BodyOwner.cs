namespace FastProxy.Http.Http2.Streams;

/// <summary>
/// The stream behind an <see cref="Http2RequestBody"/> reader, on either side of the proxy (a client's request body on
/// the server, an upstream's response body on the client): told what the reader consumed, so the window it grants the
/// peer follows consumption (RFC 9113 §5.2.2), and when the reader completed.
/// </summary>
internal interface IHttp2BodyOwner
{
    /// <summary>The reader advanced past <paramref name="bytes"/> more bytes: credit them back to the peer.</summary>
    void OnBodyConsumed(int bytes);

    /// <summary>The reader was completed: data still buffered or yet to come is discarded.</summary>
    void OnBodyReaderCompleted();
}
