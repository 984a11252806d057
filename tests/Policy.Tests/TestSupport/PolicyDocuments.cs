using FastProxy.Policy.Config;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>Policy documents used across tests; the peers benchmark scenario first.</summary>
internal static class PolicyDocuments
{
    public static IdentityProviderConfig Provider(params string[] keys) => new()
    {
        Name = "idp",
        Issuer = TestKeys.Issuer,
        Audiences = [TestKeys.Audience],
        Keys = keys,
        Algorithms = ["RS256", "ES256"],
    };

    /// <summary>RS256 SPKI key, iss https://idp.test, aud orders-api, roles contains reader, GET/HEAD /api/**.</summary>
    public static PolicyDocument Peers(string? key = null, int cacheSize = 1000, IdentityProviderConfig? provider = null) => new()
    {
        Identity = new IdentityConfig
        {
            Providers = [provider ?? Provider(key ?? TestKeys.RsaPublicPem)],
            TokenCache = new TokenCacheConfig { Size = cacheSize },
        },
        Routes =
        [
            new RouteConfig
            {
                Id = "api",
                Match = new RouteMatchConfig { Path = "/api/**", Methods = ["GET", "HEAD"] },
                Cluster = "orders",
                Allow = [new RuleConfig { Claim = "roles", Contains = "reader" }],
            },
        ],
    };

    public static PolicyDocument WithRoutes(params RouteConfig[] routes) => new()
    {
        Identity = new IdentityConfig { Providers = [Provider(TestKeys.RsaPublicPem)] },
        Routes = routes,
    };

    public static RouteConfig Route(string id, string path, params RuleConfig[] allow) => new()
    {
        Id = id,
        Match = new RouteMatchConfig { Path = path },
        Cluster = "c",
        Allow = allow,
    };
}
