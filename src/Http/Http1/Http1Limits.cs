using System.Runtime.InteropServices;

namespace FastProxy.Http.Http1;

/// <summary>
/// Size caps applied while parsing HTTP/1.1 heads and chunked framing. Every parser faces hostile
/// input, so each unbounded production of RFC 9112 gets a cap here.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct Http1Limits
{
    /// <summary>8 KiB: RFC 9112 §3 recommends supporting request lines of at least 8000 octets.</summary>
    public const int DefaultMaxRequestLineBytes = 8 * 1024;

    /// <summary>32 KiB for the whole head: Kestrel's default; big enough for real cookie jars.</summary>
    public const int DefaultMaxHeaderBytes = 32 * 1024;

    /// <summary>100 fields: Kestrel's default; browsers send 10-20.</summary>
    public const int DefaultMaxHeaderCount = 100;

    /// <summary>4 KiB: a chunk-size line is a few hex digits; extensions are rare and short.</summary>
    public const int DefaultMaxChunkLineBytes = 4 * 1024;

    /// <summary>8 KiB for a chunked trailer section; trailers are rare (gRPC-web status, checksums).</summary>
    public const int DefaultMaxTrailerBytes = 8 * 1024;

    private readonly int _maxRequestLineBytes;
    private readonly int _maxHeaderBytes;
    private readonly int _maxHeaderCount;
    private readonly int _maxChunkLineBytes;
    private readonly int _maxTrailerBytes;

    public Http1Limits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount, int maxChunkLineBytes, int maxTrailerBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRequestLineBytes, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeaderBytes, maxRequestLineBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeaderCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkLineBytes, 3);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrailerBytes, 2);
        _maxRequestLineBytes = maxRequestLineBytes;
        _maxHeaderBytes = maxHeaderBytes;
        _maxHeaderCount = maxHeaderCount;
        _maxChunkLineBytes = maxChunkLineBytes;
        _maxTrailerBytes = maxTrailerBytes;
    }

    /// <summary>The defaults above. <c>default(Http1Limits)</c> means the same: a zero field reads as its default.</summary>
    public static Http1Limits Default => default;

    /// <summary>Longest request line (or status line) without its CRLF; over it a request gets 414.</summary>
    public int MaxRequestLineBytes => _maxRequestLineBytes > 0 ? _maxRequestLineBytes : DefaultMaxRequestLineBytes;

    /// <summary>Longest head (start line, fields and the blank line); over it a request gets 431.</summary>
    public int MaxHeaderBytes => _maxHeaderBytes > 0 ? _maxHeaderBytes : DefaultMaxHeaderBytes;

    /// <summary>Most header fields in one head; over it a request gets 431.</summary>
    public int MaxHeaderCount => _maxHeaderCount > 0 ? _maxHeaderCount : DefaultMaxHeaderCount;

    /// <summary>Longest chunk-size line (size and extensions, without CRLF); over it the body is rejected (400).</summary>
    public int MaxChunkLineBytes => _maxChunkLineBytes > 0 ? _maxChunkLineBytes : DefaultMaxChunkLineBytes;

    /// <summary>Longest trailer section including its final CRLF.</summary>
    public int MaxTrailerBytes => _maxTrailerBytes > 0 ? _maxTrailerBytes : DefaultMaxTrailerBytes;
}
