namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>Configuration documents for the integration tests.</summary>
public static class TestConfigs
{
    /// <summary>One public catch-all route to <paramref name="upstream"/> (host:port), with short timeouts so failures show fast.</summary>
    public static string PublicProxy(string upstream, double headerSeconds = 2, double responseSeconds = 2) => $$"""
        {
          "listeners": [ { "address": "127.0.0.1:0" } ],
          "timeouts": { "header_seconds": {{headerSeconds}}, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": {{responseSeconds}}, "drain_seconds": 5 },
          "clusters": { "app": { "endpoints": [ "{{upstream}}" ] } },
          "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
          "log": { "level": "information" }
        }
        """;
}
