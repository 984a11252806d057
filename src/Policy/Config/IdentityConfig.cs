namespace FastProxy.Policy.Config;

/// <summary>The `identity:` section: who may issue tokens and how tokens are found in requests.</summary>
public sealed record IdentityConfig
{
    public IReadOnlyList<IdentityProviderConfig> Providers { get; init; } = [];

    public TokenSourceConfig Token { get; init; } = new();

    public TokenCacheConfig TokenCache { get; init; } = new();
}
