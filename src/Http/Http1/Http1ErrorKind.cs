namespace FastProxy.Http.Http1;

/// <summary>One value per reason the HTTP/1.1 codec rejects input; <see cref="Http1ParseError.Describe"/> gives a log line.</summary>
public enum Http1ErrorKind : byte
{
    None = 0,

    // Start line
    InvalidRequestLine,
    InvalidMethod,
    InvalidTarget,
    InvalidPath,
    PathEmptySegment,
    PathParameter,
    PathBackslash,
    PathDotSegment,
    PathBadEscape,
    PathEncodedSeparator,
    PathEncodedUnreserved,
    PathDoubleEncoded,
    UnsupportedVersion,
    RequestLineTooLong,
    LeadingEmptyLines,
    InvalidStatusLine,
    InvalidStatusCode,

    // Field lines
    HeadersTooLarge,
    TooManyHeaders,
    MissingColon,
    InvalidHeaderName,
    WhitespaceBeforeColon,
    ObsFold,
    BareCR,
    BareLF,
    InvalidCharacter,

    /// <summary>The head's line structure changed between parse calls (input not grown from the same start without a Reset).</summary>
    MalformedHead,

    // Host
    MissingHost,
    MultipleHost,
    InvalidHost,

    // Framing
    InvalidContentLength,
    ConflictingContentLength,
    ContentLengthWithTransferEncoding,
    UnsupportedTransferEncoding,
    ChunkedNotFinal,
    TransferEncodingInHttp10,

    // Connection options (RFC 9110 §7.6.1)
    InvalidConnectionOption,
    TooManyConnectionOptions,

    /// <summary>Connection names Host, Content-Length or Transfer-Encoding: a next hop honouring it would lose the framing.</summary>
    ConnectionNamesFraming,

    // Chunked body
    InvalidChunkSize,
    InvalidChunkExtension,
    ChunkLineTooLong,
    InvalidChunkTerminator,
    TrailerTooLarge,
    BodyTooLarge,
}
