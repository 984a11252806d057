namespace FastProxy.Policy.Config;

/// <summary>One trusted OIDC / JWT issuer. Keys come from discovery, a jwks_uri, or static keys (exactly one).</summary>
public sealed record IdentityProviderConfig
{
    public string Name { get; init; } = "";

    public string Issuer { get; init; } = "";

    public IReadOnlyList<string> Audiences { get; init; } = [];

    /// <summary>Fetch `{issuer}/.well-known/openid-configuration`, then its jwks_uri.</summary>
    public bool Discovery { get; init; }

    public string? JwksUri { get; init; }

    /// <summary>Static keys: each a path to a PEM file (SPKI public key or certificate) or an inline PEM/JWK.</summary>
    public IReadOnlyList<string> Keys { get; init; } = [];

    public IReadOnlyList<string> Algorithms { get; init; } = ["RS256"];

    /// <summary>
    /// Accepted JWT `typ` header values (RFC 7515 §4.1.9, RFC 8725 §3.11), e.g. `at+jwt` so only
    /// access tokens pass (RFC 9068 §2.1), not ID tokens. Case-insensitive, `application/` optional.
    /// Empty (the default): `typ` is not checked. Set: a token without one of these is refused.
    /// </summary>
    public IReadOnlyList<string> TokenTypes { get; init; } = [];

    public int ClockSkewSeconds { get; init; } = 30;

    public int RefreshSeconds { get; init; } = 300;

    /// <summary>How long the last good key set may serve while the IdP is unreachable; then fail closed.</summary>
    public int MaxKeyAgeSeconds { get; init; } = 3600;
}
