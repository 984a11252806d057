using System.Text;

namespace FastProxy.Http.Http1;

/// <summary>
/// Maps a field name to <see cref="KnownHeader"/> by length, then an ASCII case-insensitive compare
/// (field names are case-insensitive, RFC 9110 §5.1). Hand-written: fewer than 30 entries (CONVENTIONS.md §5).
/// </summary>
public static class KnownHeaders
{
    public static ReadOnlySpan<byte> Host => "host"u8;
    public static ReadOnlySpan<byte> ContentLength => "content-length"u8;
    public static ReadOnlySpan<byte> TransferEncoding => "transfer-encoding"u8;
    public static ReadOnlySpan<byte> Connection => "connection"u8;
    public static ReadOnlySpan<byte> KeepAlive => "keep-alive"u8;
    public static ReadOnlySpan<byte> ProxyConnection => "proxy-connection"u8;
    public static ReadOnlySpan<byte> TE => "te"u8;
    public static ReadOnlySpan<byte> Trailer => "trailer"u8;
    public static ReadOnlySpan<byte> Upgrade => "upgrade"u8;
    public static ReadOnlySpan<byte> Expect => "expect"u8;
    public static ReadOnlySpan<byte> Authorization => "authorization"u8;
    public static ReadOnlySpan<byte> Cookie => "cookie"u8;
    public static ReadOnlySpan<byte> SetCookie => "set-cookie"u8;
    public static ReadOnlySpan<byte> XForwardedFor => "x-forwarded-for"u8;
    public static ReadOnlySpan<byte> XForwardedProto => "x-forwarded-proto"u8;
    public static ReadOnlySpan<byte> XForwardedHost => "x-forwarded-host"u8;
    public static ReadOnlySpan<byte> XForwardedPort => "x-forwarded-port"u8;
    public static ReadOnlySpan<byte> XRealIp => "x-real-ip"u8;
    public static ReadOnlySpan<byte> Forwarded => "forwarded"u8;
    public static ReadOnlySpan<byte> Via => "via"u8;
    public static ReadOnlySpan<byte> ProxyAuthorization => "proxy-authorization"u8;
    public static ReadOnlySpan<byte> ProxyAuthenticate => "proxy-authenticate"u8;
    public static ReadOnlySpan<byte> Http2Settings => "http2-settings"u8;

    /// <summary>Recognises <paramref name="name"/>; <see cref="KnownHeader.Unknown"/> for anything else.</summary>
    public static KnownHeader Lookup(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when Ascii.EqualsIgnoreCase(name, TE) => KnownHeader.TE,
        3 when Ascii.EqualsIgnoreCase(name, Via) => KnownHeader.Via,
        4 when Ascii.EqualsIgnoreCase(name, Host) => KnownHeader.Host,
        6 when Ascii.EqualsIgnoreCase(name, Cookie) => KnownHeader.Cookie,
        6 when Ascii.EqualsIgnoreCase(name, Expect) => KnownHeader.Expect,
        7 when Ascii.EqualsIgnoreCase(name, Trailer) => KnownHeader.Trailer,
        7 when Ascii.EqualsIgnoreCase(name, Upgrade) => KnownHeader.Upgrade,
        9 when Ascii.EqualsIgnoreCase(name, Forwarded) => KnownHeader.Forwarded,
        9 when Ascii.EqualsIgnoreCase(name, XRealIp) => KnownHeader.XRealIp,
        10 when Ascii.EqualsIgnoreCase(name, Connection) => KnownHeader.Connection,
        10 when Ascii.EqualsIgnoreCase(name, KeepAlive) => KnownHeader.KeepAlive,
        10 when Ascii.EqualsIgnoreCase(name, SetCookie) => KnownHeader.SetCookie,
        13 when Ascii.EqualsIgnoreCase(name, Authorization) => KnownHeader.Authorization,
        14 when Ascii.EqualsIgnoreCase(name, ContentLength) => KnownHeader.ContentLength,
        14 when Ascii.EqualsIgnoreCase(name, Http2Settings) => KnownHeader.Http2Settings,
        15 when Ascii.EqualsIgnoreCase(name, XForwardedFor) => KnownHeader.XForwardedFor,
        16 when Ascii.EqualsIgnoreCase(name, ProxyConnection) => KnownHeader.ProxyConnection,
        16 when Ascii.EqualsIgnoreCase(name, XForwardedHost) => KnownHeader.XForwardedHost,
        16 when Ascii.EqualsIgnoreCase(name, XForwardedPort) => KnownHeader.XForwardedPort,
        17 when Ascii.EqualsIgnoreCase(name, TransferEncoding) => KnownHeader.TransferEncoding,
        17 when Ascii.EqualsIgnoreCase(name, XForwardedProto) => KnownHeader.XForwardedProto,
        18 when Ascii.EqualsIgnoreCase(name, ProxyAuthenticate) => KnownHeader.ProxyAuthenticate,
        19 when Ascii.EqualsIgnoreCase(name, ProxyAuthorization) => KnownHeader.ProxyAuthorization,
        _ => KnownHeader.Unknown,
    };

    /// <summary>
    /// Hop-by-hop fields a proxy drops (RFC 9110 §7.6.1: Connection, Proxy-Connection, Keep-Alive, TE, Upgrade;
    /// plus Proxy-Authorization/Proxy-Authenticate, which are meant for this proxy, and HTTP2-Settings, RFC 7540 §3.2.1),
    /// in addition to whatever the Connection field names. Transfer-Encoding is deliberately not in the list:
    /// the forwarder passes chunked framing through verbatim, so it keeps the field that announces it.
    /// </summary>
    public static bool IsHopByHop(KnownHeader header) => header is KnownHeader.Connection or KnownHeader.KeepAlive
        or KnownHeader.ProxyConnection or KnownHeader.TE or KnownHeader.Upgrade
        or KnownHeader.ProxyAuthorization or KnownHeader.ProxyAuthenticate or KnownHeader.Http2Settings;
}
