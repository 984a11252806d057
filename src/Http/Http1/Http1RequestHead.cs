using FastProxy.Core.Gate;
using FastProxy.Http.Forwarding;

namespace FastProxy.Http.Http1;

/// <summary>
/// One parsed request head, reusable per connection. Filled by <see cref="Http1Parser.TryParseRequest"/>; every span
/// points into a buffer rented for this head, so it stays valid after the caller advances its PipeReader and until
/// the next parse or <see cref="Reset"/>. Call <see cref="Reset"/> when the exchange ends so an idle connection
/// holds no buffer.
/// </summary>
public sealed class Http1RequestHead : IRequestHeaders, IForwardedRequest
{
    private readonly Http1HeadBuffer _buffer = new();

    internal Http1HeadBuffer Buffer => _buffer;

    /// <summary>The method, or <see cref="RequestMethod.Other"/> (then see <see cref="MethodBytes"/>).</summary>
    public RequestMethod Method { get; internal set; }

    /// <summary>The method token as received (case-sensitive, RFC 9110 §9.1).</summary>
    public ReadOnlySpan<byte> MethodBytes => _buffer.Slice(0, MethodLength);

    /// <summary>The request-target as received (an absolute- or authority-form host lower-cased, see <see cref="Host"/>).</summary>
    public ReadOnlySpan<byte> Target => _buffer.Slice(TargetStart, TargetLength);

    /// <summary>
    /// The absolute path: for origin- and absolute-form the bytes before '?' (the gate matches these raw bytes);
    /// "/" for an absolute-form target with an empty path; "*" for asterisk-form; empty for authority-form (CONNECT).
    /// </summary>
    public ReadOnlySpan<byte> Path => PathLength == 0 && IsAbsoluteForm ? "/"u8 : _buffer.Slice(PathStart, PathLength);

    /// <summary>The query without its '?' (empty when there is none or it is empty; see <see cref="HasQuery"/>).</summary>
    public ReadOnlySpan<byte> Query => _buffer.Slice(QueryStart, QueryLength);

    /// <summary>True when the target held a '?', even with an empty query.</summary>
    public bool HasQuery { get; internal set; }

    /// <summary>True for an absolute-form target (<c>http://host/path</c>); the forwarder sends origin-form upstream.</summary>
    public bool IsAbsoluteForm { get; internal set; }

    /// <summary>True for the asterisk-form <c>OPTIONS *</c>.</summary>
    public bool IsAsteriskForm { get; internal set; }

    /// <summary>True for the authority-form target of CONNECT (<c>host:port</c>).</summary>
    public bool IsAuthorityForm { get; internal set; }

    /// <summary>0 for HTTP/1.0, 1 for HTTP/1.1.</summary>
    public int VersionMinor { get; internal set; }

    /// <summary>
    /// The host without port (an IPv6 literal keeps its brackets), lower-cased in place (RFC 3986 §3.2.2: hosts are
    /// case-insensitive; <see cref="GateRequest.Host"/> expects lower case): from the target for absolute- and
    /// authority-form (RFC 9112 §3.2.2: the Host field is then ignored), else from the Host field. Empty for an
    /// HTTP/1.0 request without Host. Because the bytes are shared, <see cref="Target"/>, <see cref="Authority"/> or
    /// <see cref="HostHeaderValue"/> show that host lower-cased too.
    /// </summary>
    public ReadOnlySpan<byte> Host => _buffer.Slice(HostStart, HostLength);

    /// <summary>The authority (host and optional port) the request names: target authority for absolute/authority-form, else the Host field value.</summary>
    public ReadOnlySpan<byte> Authority => _buffer.Slice(AuthorityStart, AuthorityLength);

    /// <summary>The Host field value as received (OWS trimmed), including any port; empty when absent.</summary>
    public ReadOnlySpan<byte> HostHeaderValue => _buffer.Slice(HostHeaderStart, HostHeaderLength);

    /// <summary>The authority forwarded as Host: with an absolute-form target the target's (RFC 9112 §3.2.2), else the Host field's.</summary>
    public ReadOnlySpan<byte> ForwardedAuthority => IsAbsoluteForm ? Authority : HostHeaderValue;

    public int HeaderCount => _buffer.HeaderCount;

    public ReadOnlySpan<byte> GetName(int index) => _buffer.GetName(index);

    public ReadOnlySpan<byte> GetValue(int index) => _buffer.GetValue(index);

    public KnownHeader GetKnown(int index) => _buffer.GetKnown(index);

    /// <summary>True when at least one field of this known kind is present (one bit test, no scan).</summary>
    public bool Has(KnownHeader header) => header != KnownHeader.Unknown && (SeenHeaders & (1UL << (int)header)) != 0;

    internal ulong SeenHeaders { get; set; }

    /// <summary>How the body is delimited.</summary>
    public BodyKind BodyKind { get; internal set; }

    /// <summary>The Content-Length when <see cref="BodyKind"/> is <see cref="BodyKind.ContentLength"/>, else 0.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>Whether body bytes follow the head.</summary>
    public bool HasBody => BodyKind != BodyKind.None;

    /// <summary>The Content-Length, or -1 for a chunked body or none.</summary>
    public long DeclaredBodyLength => BodyKind == BodyKind.ContentLength ? ContentLength : -1;

    /// <summary>
    /// True when Content-Length arrived as a list or in several fields (all equal, RFC 9110 §8.6). The forwarder
    /// should then send one normalised Content-Length rather than the received fields.
    /// </summary>
    public bool HasContentLengthList { get; internal set; }

    /// <summary>HTTP/1.1: unless Connection has "close"; HTTP/1.0: only with Connection "keep-alive" (RFC 9112 §9.3).</summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>HTTP/1.1 request with <c>Expect: 100-continue</c> (RFC 9110 §10.1.1; ignored for HTTP/1.0).</summary>
    public bool ExpectContinue { get; internal set; }

    /// <summary>HTTP/1.1 request whose Connection lists "upgrade" and that carries an Upgrade field (RFC 9110 §7.8).</summary>
    public bool IsUpgrade { get; internal set; }

    /// <summary>
    /// Treats the request as a plain one (RFC 9110 §7.8: a server may ignore Upgrade), for a protocol the proxy does
    /// not switch to. The Upgrade field stays in the head; it is hop-by-hop, so it is not forwarded.
    /// </summary>
    public void IgnoreUpgrade() => IsUpgrade = false;

    /// <summary>The Upgrade field value (e.g. <c>websocket</c>) when <see cref="IsUpgrade"/>.</summary>
    public ReadOnlySpan<byte> UpgradeProtocol => IsUpgrade ? _buffer.Slice(UpgradeStart, UpgradeLength) : default;

    /// <summary>Bytes the head occupied on the wire, from its first byte to the end of the blank line (without an ignored leading CRLF).</summary>
    public int HeadLength { get; internal set; }

    internal int MethodLength { get; set; }

    internal int TargetStart { get; set; }

    internal int TargetLength { get; set; }

    internal int PathStart { get; set; }

    internal int PathLength { get; set; }

    internal int QueryStart { get; set; }

    internal int QueryLength { get; set; }

    internal int HostStart { get; set; }

    internal int HostLength { get; set; }

    internal int AuthorityStart { get; set; }

    internal int AuthorityLength { get; set; }

    internal int HostHeaderStart { get; set; }

    internal int HostHeaderLength { get; set; }

    internal int UpgradeStart { get; set; }

    internal int UpgradeLength { get; set; }

    /// <summary>True when a Connection field lists <paramref name="headerName"/>: a hop-by-hop field the forwarder drops.</summary>
    public bool IsNamedInConnection(ReadOnlySpan<byte> headerName)
        => !headerName.IsEmpty && _buffer.IsNamedInConnection(headerName, KnownHeaders.Lookup(headerName));

    /// <summary>As <see cref="IsNamedInConnection(ReadOnlySpan{byte})"/> for a field already recognised as <paramref name="known"/> (a bit test for known fields).</summary>
    public bool IsNamedInConnection(ReadOnlySpan<byte> headerName, KnownHeader known) => _buffer.IsNamedInConnection(headerName, known);

    /// <summary>
    /// The gate's view of a field (<see cref="IRequestHeaders"/>): a received '_' also matches '-', because CGI, WSGI,
    /// Rack and PHP upstreams read <c>X_Tenant</c> as <c>X-Tenant</c>. A rule on x-tenant therefore sees that copy
    /// too, and a request carrying both spellings counts as repeating the field.
    /// </summary>
    public bool TryGetFirst(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => _buffer.TryGetFirst(name, out value, foldUnderscores: true);

    /// <summary>How many fields an upstream may read as <paramref name="name"/> (see <see cref="TryGetFirst"/>).</summary>
    public int Count(ReadOnlySpan<byte> name) => _buffer.Count(name, foldUnderscores: true);

    /// <summary>Forgets the head and returns its rented buffer to the pool.</summary>
    public void Reset()
    {
        _buffer.Release();
        Clear();
    }

    /// <summary>Clears every parsed value but keeps the buffer for the next parse.</summary>
    internal void Clear()
    {
        Method = RequestMethod.Other;
        HasQuery = false;
        IsAbsoluteForm = false;
        IsAsteriskForm = false;
        IsAuthorityForm = false;
        VersionMinor = 0;
        BodyKind = BodyKind.None;
        ContentLength = 0;
        HasContentLengthList = false;
        KeepAlive = false;
        ExpectContinue = false;
        IsUpgrade = false;
        HeadLength = 0;
        SeenHeaders = 0;
        MethodLength = 0;
        TargetStart = TargetLength = 0;
        PathStart = PathLength = 0;
        QueryStart = QueryLength = 0;
        HostStart = HostLength = 0;
        AuthorityStart = AuthorityLength = 0;
        HostHeaderStart = HostHeaderLength = 0;
        UpgradeStart = UpgradeLength = 0;
    }
}
