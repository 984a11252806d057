namespace FastProxy.Host.Config;

/// <summary>The protocol names a cluster may give (`clusters.NAME.protocol`).</summary>
public static class UpstreamProtocols
{
    /// <summary>HTTP/1.1 keep-alive (the default), over TLS when the cluster has `tls:`.</summary>
    public const string Http1 = "http1";

    /// <summary>HTTP/2 in clear text with prior knowledge (RFC 9113 §3.3); a cluster with `tls:` must say <see cref="H2"/>.</summary>
    public const string H2c = "h2c";

    /// <summary>HTTP/2 over TLS: needs the cluster's `tls:`, offers ALPN `h2` only and refuses a server that picks anything else.</summary>
    public const string H2 = "h2";

    public static bool IsHttp2(string protocol) => protocol is H2c or H2;
}
