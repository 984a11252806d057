namespace FastProxy.Policy.Config;

/// <summary>The policy-relevant part of the configuration file: identity, routes and tests.</summary>
public sealed record PolicyDocument
{
    public IdentityConfig Identity { get; init; } = new();

    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];

    public IReadOnlyList<PolicyTestConfig> Tests { get; init; } = [];
}
