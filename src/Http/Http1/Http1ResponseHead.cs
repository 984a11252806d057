namespace FastProxy.Http.Http1;

/// <summary>
/// One parsed upstream response head, reusable per upstream connection. Filled by
/// <see cref="Http1Parser.TryParseResponse"/>; spans point into a rented buffer that lives until the next parse or
/// <see cref="Reset"/>.
/// </summary>
public sealed class Http1ResponseHead
{
    private readonly Http1HeadBuffer _buffer = new();

    internal Http1HeadBuffer Buffer => _buffer;

    /// <summary>The three-digit status code (100-599).</summary>
    public int StatusCode { get; internal set; }

    /// <summary>The reason phrase as received (may be empty).</summary>
    public ReadOnlySpan<byte> Reason => _buffer.Slice(ReasonStart, ReasonLength);

    /// <summary>0 for HTTP/1.0, 1 for HTTP/1.1.</summary>
    public int VersionMinor { get; internal set; }

    /// <summary>True for 1xx: an interim response; the forwarder relays it and parses the next head (RFC 9110 §15.2).</summary>
    public bool IsInterim => StatusCode is >= 100 and < 200;

    public int HeaderCount => _buffer.HeaderCount;

    public ReadOnlySpan<byte> GetName(int index) => _buffer.GetName(index);

    public ReadOnlySpan<byte> GetValue(int index) => _buffer.GetValue(index);

    public KnownHeader GetKnown(int index) => _buffer.GetKnown(index);

    /// <summary>True when at least one field of this known kind is present (one bit test, no scan).</summary>
    public bool Has(KnownHeader header) => header != KnownHeader.Unknown && (SeenHeaders & (1UL << (int)header)) != 0;

    internal ulong SeenHeaders { get; set; }

    /// <summary>How the body is delimited (RFC 9112 §6.3).</summary>
    public ResponseBodyKind BodyKind { get; internal set; }

    /// <summary>The Content-Length when <see cref="BodyKind"/> is <see cref="ResponseBodyKind.ContentLength"/>, else 0.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>True when Content-Length arrived as a list or in several fields (all equal); send one normalised value downstream.</summary>
    public bool HasContentLengthList { get; internal set; }

    /// <summary>
    /// A valid Content-Length was received, also where it does not delimit the body (a response to HEAD, a 304:
    /// RFC 9110 §8.6, there it states the length the selected representation would have). Then <see cref="DeclaredContentLength"/> is its value.
    /// </summary>
    public bool HasContentLength { get; internal set; }

    /// <summary>The received Content-Length value when <see cref="HasContentLength"/>, else 0.</summary>
    public long DeclaredContentLength { get; internal set; }

    /// <summary>
    /// Whether the upstream connection may be reused after this response: HTTP/1.1 unless "close", HTTP/1.0 only with
    /// "keep-alive", never for a close-delimited body (RFC 9112 §9.3).
    /// </summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>Bytes the head occupied on the wire.</summary>
    public int HeadLength { get; internal set; }

    internal int ReasonStart { get; set; }

    internal int ReasonLength { get; set; }

    public bool TryGetFirst(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => _buffer.TryGetFirst(name, out value);

    public int Count(ReadOnlySpan<byte> name) => _buffer.Count(name);

    /// <summary>True when a Connection field lists <paramref name="headerName"/>: a hop-by-hop field the forwarder drops.</summary>
    public bool IsNamedInConnection(ReadOnlySpan<byte> headerName)
        => !headerName.IsEmpty && _buffer.IsNamedInConnection(headerName, KnownHeaders.Lookup(headerName));

    /// <summary>As <see cref="IsNamedInConnection(ReadOnlySpan{byte})"/> for a field already recognised as <paramref name="known"/> (a bit test for known fields).</summary>
    public bool IsNamedInConnection(ReadOnlySpan<byte> headerName, KnownHeader known) => _buffer.IsNamedInConnection(headerName, known);

    /// <summary>Forgets the head and returns its rented buffer to the pool.</summary>
    public void Reset()
    {
        _buffer.Release();
        Clear();
    }

    internal void Clear()
    {
        StatusCode = 0;
        VersionMinor = 0;
        BodyKind = ResponseBodyKind.None;
        ContentLength = 0;
        HasContentLengthList = false;
        HasContentLength = false;
        DeclaredContentLength = 0;
        KeepAlive = false;
        HeadLength = 0;
        SeenHeaders = 0;
        ReasonStart = ReasonLength = 0;
    }
}
