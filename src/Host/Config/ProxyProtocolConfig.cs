namespace FastProxy.Host.Config;

/// <summary>
/// `proxy_protocol:` on a listener behind a load balancer: every connection starts with a PROXY protocol header (v1 or
/// v2) naming the real client, accepted only from the trusted networks.
/// </summary>
public sealed record ProxyProtocolConfig
{
    /// <summary>The load balancers' addresses: IP literals or CIDR networks ("10.0.0.0/8", "192.0.2.10"). Required, non-empty.</summary>
    public IReadOnlyList<string> Trusted { get; init; } = [];

    /// <summary>The header must arrive whole within this many seconds of the connect.</summary>
    public double HeaderSeconds { get; init; } = 5;
}
