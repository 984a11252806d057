namespace FastProxy.Http.Http1;

/// <summary>
/// Header fields a proxy must recognise: framing, hop-by-hop (RFC 9110 §7.6.1), credentials the gate
/// reads or strips, and forwarding metadata it rewrites. Recognised by <see cref="KnownHeaders.Lookup"/>.
/// Values stay below 64 so a <c>ulong</c> bit set can track which were seen.
/// </summary>
public enum KnownHeader : byte
{
    Unknown = 0,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    KeepAlive,
    ProxyConnection,
    TE,
    Trailer,
    Upgrade,
    Expect,
    Authorization,
    Cookie,
    SetCookie,
    XForwardedFor,
    XForwardedProto,
    XForwardedHost,
    XForwardedPort,
    XRealIp,
    Forwarded,
    Via,
    ProxyAuthorization,
    ProxyAuthenticate,
    Http2Settings,
}
