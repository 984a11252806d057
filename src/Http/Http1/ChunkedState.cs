namespace FastProxy.Http.Http1;

/// <summary>Where <see cref="ChunkedBodyReader"/> is in RFC 9112 §7.1's chunked-body grammar.</summary>
internal enum ChunkedState : byte
{
    /// <summary>At the start of a chunk-size line.</summary>
    ChunkSize,

    /// <summary>Inside chunk-data; the reader tracks how many bytes remain.</summary>
    Data,

    /// <summary>After chunk-data: exactly CRLF must follow.</summary>
    DataCrlf,

    /// <summary>After the last-chunk: trailer field lines until the empty line.</summary>
    Trailer,

    Done,
    Error,
}
