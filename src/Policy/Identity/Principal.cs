using FastProxy.Core.Gate;

namespace FastProxy.Policy.Identity;

/// <summary>
/// A validated token in the compact form the evaluator reads: issuer, subject, the claims the
/// policy uses (indexed by interned claim id), the OAuth scopes, and when it stops being valid.
/// Immutable once published to the token cache, except for the lazily filled per-route upstream
/// identity slots (written with compare-exchange).
/// </summary>
internal sealed class Principal
{
    public Principal(int providerIndex, string issuer, string? subject, ClaimValue[] claims, string[] scopes, long expiresUtcTicks, int routeCount)
    {
        ProviderIndex = providerIndex;
        Issuer = issuer;
        Subject = subject;
        Claims = claims;
        Scopes = scopes;
        ExpiresUtcTicks = expiresUtcTicks;
        UpstreamIdentities = new IUpstreamIdentity?[routeCount];
    }

    /// <summary>Index of the provider that validated the token; -1 for a synthetic test principal.</summary>
    public int ProviderIndex { get; }

    public string Issuer { get; }

    public string? Subject { get; }

    public ClaimValue[] Claims { get; }

    public string[] Scopes { get; }

    /// <summary>UTC ticks of the token's exp: the principal (and any cache entry) is dead from then on.</summary>
    public long ExpiresUtcTicks { get; }

    /// <summary>Key-set generation of the provider when the token was validated (see KeySnapshot).</summary>
    public long KeyGeneration { get; init; }

    /// <summary>The token bytes, compared on a cache hit to rule out hash collisions; null when not cached.</summary>
    public byte[]? TokenBytes { get; init; }

    public ulong TokenHash { get; init; }

    /// <summary>Upstream identity per route index, built on first use (see Upstream/).</summary>
    public IUpstreamIdentity?[] UpstreamIdentities { get; }

    public bool HasScope(string scope)
    {
        var scopes = Scopes;
        for (var i = 0; i < scopes.Length; i++)
        {
            if (string.Equals(scopes[i], scope, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
