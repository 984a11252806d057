using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

/// <summary>Configuration documents shared by the config tests.</summary>
internal static class ConfigSamples
{
    /// <summary>Every section, block and flow style, quoted and plain scalars.</summary>
    public const string FullYaml = """
        # FastProxy sample
        listeners:
          - address: 127.0.0.1:8080
          - { address: "[::1]:8081", protocol: http1 }
        limits:
          max_connections: 500
          max_body_bytes: 0
        timeouts:
          header_seconds: 2.5
          drain_seconds: 0
        clusters:
          orders:
            endpoints: [127.0.0.1:9001, "localhost:9002"]
            balance: least_requests
          users: { endpoints: ['[::1]:9003'] }
        identity:
          providers:
            - name: corp
              issuer: https://idp.example.com
              audiences: [orders-api]
              discovery: true
          token_cache: { size: 500 }
        routes:
          - id: orders-read
            match: { host: api.example.com, path: /orders/**, methods: [GET, HEAD] }
            cluster: orders
            allow:
              - { claim: roles, contains: orders.read }
              - claim: level
                equals: 42
          - id: users
            match:
              path: /users/*
            cluster: users
            mode: audit
            public: true
        admin:
          address: 127.0.0.1:9901
        log:
          level: debug
        tests:
          - request: GET https://api.example.com/orders/7
            claims: { roles: [orders.read], level: 3 }
            expect: allow
        """;

    /// <summary>The same document as <see cref="FullYaml"/>, in JSON with a comment and trailing commas.</summary>
    public const string FullJson = """
        {
          // FastProxy sample
          "listeners": [
            { "address": "127.0.0.1:8080" },
            { "address": "[::1]:8081", "protocol": "http1" },
          ],
          "limits": { "max_connections": 500, "max_body_bytes": 0 },
          "timeouts": { "header_seconds": 2.5, "drain_seconds": 0 },
          "clusters": {
            "orders": { "endpoints": ["127.0.0.1:9001", "localhost:9002"], "balance": "least_requests" },
            "users": { "endpoints": ["[::1]:9003"] }
          },
          "identity": {
            "providers": [
              { "name": "corp", "issuer": "https://idp.example.com", "audiences": ["orders-api"], "discovery": true }
            ],
            "token_cache": { "size": 500 }
          },
          "routes": [
            {
              "id": "orders-read",
              "match": { "host": "api.example.com", "path": "/orders/**", "methods": ["GET", "HEAD"] },
              "cluster": "orders",
              "allow": [ { "claim": "roles", "contains": "orders.read" }, { "claim": "level", "equals": 42 } ]
            },
            { "id": "users", "match": { "path": "/users/*" }, "cluster": "users", "mode": "audit", "public": true }
          ],
          "admin": { "address": "127.0.0.1:9901" },
          "log": { "level": "debug" },
          "tests": [
            { "request": "GET https://api.example.com/orders/7", "claims": { "roles": ["orders.read"], "level": 3 }, "expect": "allow" }
          ]
        }
        """;

    /// <summary>The smallest valid document; validator tests append to it (it is 7 lines long).</summary>
    public const string MinimalYaml = """
        listeners:
          - address: 127.0.0.1:8080
        clusters:
          app: { endpoints: [127.0.0.1:9001] }
        routes:
          - id: r1
            cluster: app

        """;

    public static IReadOnlyList<ConfigError> Errors(string yaml)
        => ConfigLoader.LoadFromText(yaml, "fastproxy.yaml", isYaml: true).Errors;

    public static ConfigError Single(string yaml)
    {
        var errors = Errors(yaml);
        return Assert.Single(errors);
    }

    public static ConfigError Find(IReadOnlyList<ConfigError> errors, string path)
    {
        var found = errors.FirstOrDefault(e => string.Equals(e.Path, path, StringComparison.Ordinal));
        Assert.True(found is not null, $"no error at {path}; got: {string.Join(" | ", errors)}");
        return found;
    }
}
