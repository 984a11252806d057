namespace FastProxy.Http.Http1;

/// <summary>What a <see cref="ChunkedPiece"/> holds.</summary>
public enum ChunkedPieceKind : byte
{
    /// <summary>No piece: more input is needed, or the body is done.</summary>
    None,

    /// <summary>Chunk data: payload bytes, without framing.</summary>
    Data,

    /// <summary>One trailer field line, "name: value" without its CRLF (RFC 9112 §7.1.2), already validated.</summary>
    TrailerField,
}
