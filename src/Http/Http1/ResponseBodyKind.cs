namespace FastProxy.Http.Http1;

/// <summary>How a response's body is delimited (RFC 9112 §6.3).</summary>
public enum ResponseBodyKind : byte
{
    /// <summary>No body: response to HEAD, 1xx, 204, 304, or 2xx to CONNECT (RFC 9112 §6.3 rules 1-2).</summary>
    None,

    /// <summary>Exactly <see cref="Http1ResponseHead.ContentLength"/> bytes follow (may be zero).</summary>
    ContentLength,

    /// <summary>A chunked body follows; validate it with <see cref="ChunkedBodyReader"/>.</summary>
    Chunked,

    /// <summary>The body runs until the upstream closes the connection (RFC 9112 §6.3 rule 8); the connection is not reusable.</summary>
    CloseDelimited,
}
