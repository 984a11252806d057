using FastProxy.Core.Upstream;
using FastProxy.Host.Proxy;
using FastProxy.Policy;
using FastProxy.Policy.Config;
using FastProxy.Tls.Client;
using FastProxy.Tls.Server;

namespace FastProxy.Host.Metrics;

/// <summary>
/// Where <see cref="ProxyMetrics"/> reads its scrape-time values (gauges and counters owned by
/// other components). Every source is optional: a family whose source is absent is not exposed.
/// </summary>
public sealed class MetricsSources
{
    public static readonly MetricsSources None = new();

    /// <summary>
    /// The routes of the configuration in force (route index i = list item i). When set, the
    /// metrics relabel route indexes whenever it returns a different list (a reload).
    /// </summary>
    public Func<IReadOnlyList<RouteConfig>>? Routes { get; init; }

    /// <summary>Open downstream (client) connections.</summary>
    public Func<int>? ActiveConnections { get; init; }

    /// <summary>Client connections closed at accept by the per-address limit.</summary>
    public Func<long>? ConnectionsRefusedPerAddress { get; init; }

    /// <summary>PROXY protocol header outcomes; null when no listener expects the header.</summary>
    public FastProxy.Core.Transport.ProxyProtocol.ProxyProtocolCounters? ProxyProtocol { get; init; }

    /// <summary>Accepts that waited for the accept-rate limit.</summary>
    public Func<long>? AcceptsDelayed { get; init; }

    /// <summary>Requests refused by the per-connection request rate limit, HTTP/1.1 and HTTP/2.</summary>
    public (FastProxy.Core.Limits.RateLimitedRequests Http1, FastProxy.Core.Limits.RateLimitedRequests Http2)? RateLimited { get; init; }

    /// <summary>The upstream clusters of the configuration in force.</summary>
    public Func<IReadOnlyList<UpstreamCluster>>? Clusters { get; init; }

    /// <summary>Gate decisions, token cache and JWKS counters (shared across reloads).</summary>
    public PolicyCounters? Policy { get; init; }

    /// <summary>Config reload counters.</summary>
    public HostCounters? Host { get; init; }

    /// <summary>TLS handshake outcomes; null when no listener terminates TLS.</summary>
    public TlsHandshakeCounters? Tls { get; init; }

    /// <summary>Upstream TLS handshake outcomes; null when no cluster speaks TLS to its upstreams (at start).</summary>
    public UpstreamTlsCounters? UpstreamTls { get; init; }

    /// <summary>The audit trail's counters; null when the audit trail is off.</summary>
    public Func<AuditCounterValues>? Audit { get; init; }

    /// <summary>Reads everything a running <see cref="ProxyHost"/> offers.</summary>
    public static MetricsSources ForHost(ProxyHost host, Func<AuditCounterValues>? audit = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new MetricsSources
        {
            Routes = () => host.Config.Routes,
            ActiveConnections = () => host.ActiveConnections,
            ConnectionsRefusedPerAddress = () => host.ConnectionsRefusedPerAddress,
            AcceptsDelayed = () => host.AcceptsDelayed,
            RateLimited = (host.Http1RateLimited, host.Http2RateLimited),
            ProxyProtocol = host.HasProxyProtocolListeners ? host.ProxyProtocolCounters : null,
            Clusters = () => host.Clusters,
            Policy = host.PolicyCounters,
            Host = host.Counters,
            Tls = host.HasTlsListeners ? host.TlsCounters : null,
            UpstreamTls = host.HasTlsClusters ? host.UpstreamTlsCounters : null,
            Audit = audit,
        };
    }
}
