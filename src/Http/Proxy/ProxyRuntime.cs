using FastProxy.Core.Gate;
using FastProxy.Core.Limits;
using FastProxy.Core.Observability;
using FastProxy.Core.Routing;
using FastProxy.Core.Upstream;

namespace FastProxy.Http.Proxy;

/// <summary>
/// Everything a request needs to be routed, decided and forwarded, built once from a
/// configuration and swapped whole on reload (YARP's *Config -> *Model). A request reads the
/// snapshot once when its head is complete and keeps it until it ends, so requests in flight
/// finish under the configuration they started with.
/// </summary>
public sealed class ProxyRuntime
{
    public ProxyRuntime(RouteTable routes, IReadOnlyList<string> routeIds, IReadOnlyList<UpstreamCluster> clusterByRoute, IRequestGate gate, byte[][]? strippedHeaders = null, IRequestObserver? observer = null, bool denyWhenAuditUnavailable = false)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(routeIds);
        ArgumentNullException.ThrowIfNull(clusterByRoute);
        if (routeIds.Count != routes.Count || clusterByRoute.Count != routes.Count)
        {
            throw new ArgumentException("every route needs an id and a cluster", nameof(routeIds));
        }

        Routes = routes;
        RouteIds = [.. routeIds];
        ClusterByRoute = [.. clusterByRoute];
        Gate = gate;
        Observer = observer ?? NullRequestObserver.Instance;
        DenyWhenAuditUnavailable = denyWhenAuditUnavailable;
        StrippedHeaders = strippedHeaders ?? [];
    }

    public RouteTable Routes { get; }

    public string[] RouteIds { get; }

    public UpstreamCluster[] ClusterByRoute { get; }

    public IRequestGate Gate { get; }

    /// <summary>Audit trail, access log and metrics: told about every decided request.</summary>
    public IRequestObserver Observer { get; }

    /// <summary>on_audit_failure: deny -- authenticated requests get 503 while the audit trail cannot record.</summary>
    public bool DenyWhenAuditUnavailable { get; }

    /// <summary>
    /// Inbound header names removed on every route because the gate injects them on some route
    /// (identity headers): an upstream behind any route must not trust a forged one.
    /// </summary>
    public byte[][] StrippedHeaders { get; }

    /// <summary>Per route: whether a WebSocket upgrade is honoured (the route's `upgrades`); null: on every route.</summary>
    public bool[]? WebSocketByRoute { get; init; }

    /// <summary>Per route: whether the verified client certificate goes upstream as X-Forwarded-Client-Cert (`forward_client_cert`); null: on none.</summary>
    public bool[]? ForwardClientCertByRoute { get; init; }

    /// <summary>The X-Forwarded-Client-Cert value to send on route <paramref name="routeIndex"/> for <paramref name="client"/>; empty: none.</summary>
    public ReadOnlySpan<byte> ClientCertFor(int routeIndex, ClientIdentity client)
        => ForwardClientCertByRoute is { } byRoute && byRoute[routeIndex] ? client.ForwardedClientCert.Span : default;

    /// <summary>Per route: whether its refusals are answered the gRPC way (HTTP 200 with grpc-status; the route's `grpc: true`); null: on none.</summary>
    public bool[]? GrpcByRoute { get; init; }

    /// <summary>Whether route <paramref name="routeIndex"/> (-1: none matched) is marked `grpc: true`.</summary>
    public bool IsGrpcRoute(int routeIndex) => routeIndex >= 0 && GrpcByRoute is { } byRoute && byRoute[routeIndex];

    /// <summary>
    /// Requests one client connection may start per second (`limits.max_requests_per_connection_per_second` and its
    /// burst). A connection takes it from the snapshot in force when it opens and keeps it: a reload changes the limit
    /// of new connections only.
    /// </summary>
    public RequestRateLimit RequestRate { get; init; }

    /// <summary>Whether route <paramref name="routeIndex"/> lets a request switch to WebSocket.</summary>
    public bool AllowsWebSocket(int routeIndex) => WebSocketByRoute is null || WebSocketByRoute[routeIndex];
}
