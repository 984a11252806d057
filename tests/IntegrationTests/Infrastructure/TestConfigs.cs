namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>Configuration documents for the integration tests.</summary>
public static class TestConfigs
{
    /// <summary>One public catch-all route to <paramref name="upstream"/> (host:port), with short timeouts so failures show fast.</summary>
    public static string PublicProxy(string upstream, double headerSeconds = 2, double responseSeconds = 5) => $$"""
        {
          "listeners": [ { "address": "127.0.0.1:0" } ],
          "timeouts": { "header_seconds": {{headerSeconds}}, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": {{responseSeconds}}, "drain_seconds": 5 },
          "clusters": { "app": { "endpoints": [ "{{upstream}}" ] } },
          "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
          "log": { "level": "information" }
        }
        """;

    /// <summary>
    /// The zero-trust scenario: GET/HEAD on /api/** need a valid token from <paramref name="issuer"/>
    /// (keys by OIDC discovery) with role "reader"; /public/** is open.
    /// </summary>
    public static string GatedProxy(string upstream, string issuer, int refreshSeconds = 300, int maxKeyAgeSeconds = 3600, int tokenCacheSize = 10_000) => $$"""
        {
          "listeners": [ { "address": "127.0.0.1:0" } ],
          "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 5 },
          "clusters": { "app": { "endpoints": [ "{{upstream}}" ] } },
          "identity": {
            "providers": [ {
              "name": "test-idp", "issuer": "{{issuer}}", "audiences": [ "orders-api" ], "discovery": true,
              "algorithms": [ "RS256" ], "refresh_seconds": {{refreshSeconds}}, "max_key_age_seconds": {{maxKeyAgeSeconds}}
            } ],
            "token_cache": { "size": {{tokenCacheSize}} }
          },
          "routes": [
            { "id": "public", "match": { "path": "/public/**" }, "cluster": "app", "public": true },
            { "id": "api", "match": { "path": "/api/**", "methods": [ "GET", "HEAD" ] }, "cluster": "app",
              "allow": [ { "claim": "roles", "contains": "reader" } ],
              "upstream_identity": { "headers": { "x-user": "sub" }, "forward_authorization": false } }
          ],
          "log": { "level": "information" }
        }
        """;
}
