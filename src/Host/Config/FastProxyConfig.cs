using FastProxy.Policy.Config;

namespace FastProxy.Host.Config;

/// <summary>
/// The whole configuration file (`fastproxy.yaml` or JSON): the operational sections the host reads
/// (listeners, limits, timeouts, clusters, admin, log) and the policy sections it hands to the policy
/// compiler (identity, routes, tests). Immutable; a reload builds a new one and swaps it whole.
/// </summary>
public sealed record FastProxyConfig
{
    public IReadOnlyList<ListenerConfig> Listeners { get; init; } = [];

    public LimitsConfig Limits { get; init; } = new();

    public TimeoutsConfig Timeouts { get; init; } = new();

    public Http2Config Http2 { get; init; } = new();

    public IReadOnlyDictionary<string, ClusterConfig> Clusters { get; init; } = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);

    public IdentityConfig Identity { get; init; } = new();

    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];

    public IReadOnlyList<PolicyTestConfig> Tests { get; init; } = [];

    public AdminConfig Admin { get; init; } = new();

    public LogConfig Log { get; init; } = new();

    public AuditConfig Audit { get; init; } = new();

    /// <summary>The policy-relevant part (identity, routes, tests) for the policy compiler.</summary>
    public PolicyDocument ToPolicyDocument() => new()
    {
        Identity = Identity,
        Routes = Routes,
        Tests = Tests,
    };
}
