namespace FastProxy.Policy.Config;

/// <summary>
/// One route: what it matches, where allowed requests go (Host reads <see cref="Cluster"/>),
/// and the least-privilege rules that decide (Policy reads the rest).
/// </summary>
public sealed record RouteConfig
{
    public string Id { get; init; } = "";

    public RouteMatchConfig Match { get; init; } = new();

    public string Cluster { get; init; } = "";

    /// <summary>Skip authentication explicitly; allow/deny rules still apply when present.</summary>
    public bool Public { get; init; }

    /// <summary>"enforce" (default) or "audit" (shadow mode: decide and log, but let the request through).</summary>
    public string Mode { get; init; } = "enforce";

    /// <summary>Provider names whose tokens this route accepts; empty for all providers.</summary>
    public IReadOnlyList<string> Providers { get; init; } = [];

    public IReadOnlyList<RuleConfig> Allow { get; init; } = [];

    public IReadOnlyList<RuleConfig> Deny { get; init; } = [];

    public UpstreamIdentityConfig UpstreamIdentity { get; init; } = new();

    /// <summary>Accept `?access_token=` on this route (off by default: query strings end up in logs).</summary>
    public bool QueryToken { get; init; }

    /// <summary>
    /// Match the path, and judge path rules, with ASCII case folded: for upstreams that route
    /// case-insensitively (ASP.NET Core, IIS), where "/ADMIN" reaches the "/admin" handler. Off by default.
    /// </summary>
    public bool CaseInsensitivePaths { get; init; }

    /// <summary>
    /// Protocols a request on this route may switch its connection to (RFC 9110 §7.8). Only "websocket" can be
    /// listed, and it is by default; an empty list turns WebSocket off. Any other Upgrade (h2c above all) is
    /// ignored and the request forwarded as a plain one: a switched connection is a channel the gate cannot see into.
    /// </summary>
    public IReadOnlyList<string> Upgrades { get; init; } = ["websocket"];

    /// <summary>
    /// Send the client certificate verified by mTLS to the upstream as <c>X-Forwarded-Client-Cert</c> (Envoy's format:
    /// Hash, Subject, URI and DNS SANs). Off by default; a client's own copy of the field is stripped on every route.
    /// </summary>
    public bool ForwardClientCert { get; init; }

    /// <summary>
    /// The route serves gRPC: its refusals are answered the gRPC way (HTTP 200 with `grpc-status` and `grpc-message`,
    /// e.g. 16 UNAUTHENTICATED for a 401, 7 PERMISSION_DENIED for a 403) while the audit keeps the real decision.
    /// Off by default. Host reads it; the policy ignores it.
    /// </summary>
    public bool Grpc { get; init; }
}
