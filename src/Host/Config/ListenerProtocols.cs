namespace FastProxy.Host.Config;

/// <summary>The protocol names a listener may give.</summary>
public static class ListenerProtocols
{
    /// <summary>HTTP/1.1 only (over TLS: ALPN offers http/1.1 alone).</summary>
    public const string Http1 = "http1";

    /// <summary>HTTP/2 with prior knowledge only (RFC 9113 §3.3), on a plain listener.</summary>
    public const string H2c = "h2c";

    /// <summary>
    /// Both: on a plain listener HTTP/2 when the connection opens with the HTTP/2 preface, HTTP/1.1 otherwise; over
    /// TLS, ALPN offers h2 and http/1.1 and the client's choice holds (no ALPN: HTTP/1.1).
    /// </summary>
    public const string Auto = "auto";
}
