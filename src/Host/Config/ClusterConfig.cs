namespace FastProxy.Host.Config;

/// <summary>An upstream service: its endpoints and how requests are spread over them.</summary>
public sealed record ClusterConfig
{
    /// <summary>"host:port" with an IP literal or a name: "127.0.0.1:9001", "[::1]:9001", "localhost:9001".</summary>
    public IReadOnlyList<string> Endpoints { get; init; } = [];

    /// <summary>
    /// <see cref="UpstreamProtocols.Http1"/> (default), <see cref="UpstreamProtocols.H2c"/> (HTTP/2 with prior
    /// knowledge) or <see cref="UpstreamProtocols.H2"/> (HTTP/2 over TLS with ALPN h2; needs <see cref="Tls"/>).
    /// </summary>
    public string Protocol { get; init; } = UpstreamProtocols.Http1;

    /// <summary><see cref="BalanceModes.RoundRobin"/> (default) or <see cref="BalanceModes.LeastRequests"/>.</summary>
    public string Balance { get; init; } = BalanceModes.RoundRobin;

    /// <summary>Open connections to one endpoint, in use or idle; a request waits (bounded) for one beyond this.</summary>
    public int MaxConnectionsPerEndpoint { get; init; } = 512;

    /// <summary>
    /// Idle keep-alive connections kept per endpoint. Unset: as many as <see cref="MaxConnectionsPerEndpoint"/>,
    /// so that a steady load of N concurrent requests reuses N connections instead of opening and closing
    /// connections for every request above the idle cap (an idle connection holds no buffer).
    /// </summary>
    public int? MaxIdlePerEndpoint { get; init; }

    /// <summary>
    /// Requests that may wait for a connection to one endpoint while all <see cref="MaxConnectionsPerEndpoint"/> are
    /// busy; one more is answered 503 at once. Unset: 4 x <see cref="MaxConnectionsPerEndpoint"/>; 0: nobody waits.
    /// </summary>
    public int? MaxPendingRequestsPerEndpoint { get; init; }

    /// <summary>
    /// Circuit breaker: connections open to all endpoints of the cluster together, in use or idle. At the limit a
    /// request that needs a new connection waits (bounded) for one of its endpoint's connections, or is answered
    /// 503 at once when that endpoint has none. Unset: no cluster-wide limit.
    /// </summary>
    public int? MaxConnections { get; init; }

    /// <summary>
    /// Circuit breaker: requests waiting for a connection to any endpoint of the cluster together; one more is
    /// answered 503 at once. 0: nobody waits. Unset: only <see cref="MaxPendingRequestsPerEndpoint"/> applies.
    /// </summary>
    public int? MaxPendingRequests { get; init; }

    /// <summary>Consecutive failures after which an endpoint is ejected (passive health).</summary>
    public int EjectAfterFailures { get; init; } = 5;

    public double EjectSeconds { get; init; } = 30;

    /// <summary>
    /// How long an ejected endpoint waits before one trial request (doubling after each failed trial, up to
    /// <see cref="EjectSeconds"/>); a trial that succeeds ends the ejection. 0: no trials.
    /// </summary>
    public double TrialSeconds { get; init; } = 1;

    /// <summary>
    /// Below this percentage of healthy endpoints, ejection is ignored and requests go to every endpoint (the only
    /// endpoint of a cluster is never taken out). 0: never (all ejected answers 503).
    /// </summary>
    public int PanicThresholdPercent { get; init; } = 50;

    /// <summary>TLS to the endpoints (SNI, CA bundle, client certificate); null: plain text.</summary>
    public ClusterTlsConfig? Tls { get; init; }

    /// <summary>HTTP/2 settings and limits for an `h2c` or `h2` cluster; null: the defaults. Refused on an `http1` cluster.</summary>
    public ClusterHttp2Config? Http2 { get; init; }
}
