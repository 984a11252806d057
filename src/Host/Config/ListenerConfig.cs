namespace FastProxy.Host.Config;

/// <summary>One listening socket: `{ address: "0.0.0.0:8080", protocol: http1 }`.</summary>
public sealed record ListenerConfig
{
    /// <summary>An IP literal and a port: "127.0.0.1:8080", "[::]:8080", "0.0.0.0:8080".</summary>
    public string Address { get; init; } = "";

    /// <summary>"http1" (default), "h2c" (HTTP/2 prior knowledge, plain listeners) or "auto" (both; over TLS by ALPN): see <see cref="ListenerProtocols"/>.</summary>
    public string Protocol { get; init; } = ListenerProtocols.Http1;

    /// <summary>The PROXY protocol from trusted load balancers (the client address the policy and audit see); null: off.</summary>
    public ProxyProtocolConfig? ProxyProtocol { get; init; }

    /// <summary>TLS on this listener (scheme https); null: plain text.</summary>
    public TlsListenerConfig? Tls { get; init; }
}
