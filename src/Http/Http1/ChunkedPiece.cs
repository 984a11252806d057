using System.Runtime.InteropServices;

namespace FastProxy.Http.Http1;

/// <summary>One piece of a de-chunked body (<see cref="ChunkedBodyReader.Decode"/>): where it sits in the input given.</summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct ChunkedPiece(ChunkedPieceKind Kind, long Start, long Length);
