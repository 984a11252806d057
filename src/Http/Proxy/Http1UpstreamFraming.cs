namespace FastProxy.Http.Proxy;

/// <summary>How a request whose client did not speak HTTP/1.1 is framed on its way to an HTTP/1.1 upstream (RFC 9112 §6).</summary>
internal enum Http1UpstreamFraming : byte
{
    /// <summary>No body and no Content-Length (a method that defines no meaning for content).</summary>
    None,

    /// <summary>Content-Length: the length the client declared (0 for a bodiless POST, PUT or PATCH).</summary>
    ContentLength,

    /// <summary>Transfer-Encoding: chunked: a streamed body of unknown length, or one that ends with trailers.</summary>
    Chunked,
}
