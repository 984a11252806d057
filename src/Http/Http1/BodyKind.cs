namespace FastProxy.Http.Http1;

/// <summary>How a request's body is delimited (RFC 9112 §6.3).</summary>
public enum BodyKind : byte
{
    /// <summary>No Content-Length and no Transfer-Encoding: the request has no body (RFC 9112 §6.3 rule 7).</summary>
    None,

    /// <summary>Exactly <see cref="Http1RequestHead.ContentLength"/> bytes follow (may be zero).</summary>
    ContentLength,

    /// <summary>A chunked body follows; validate it with <see cref="ChunkedBodyReader"/>.</summary>
    Chunked,
}
