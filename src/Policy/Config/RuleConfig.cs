using System.Text.Json.Serialization;

namespace FastProxy.Policy.Config;

/// <summary>
/// One rule, written as a flat object whose keys say the operator, e.g.
/// `{ claim: roles, contains: orders.read }`, `{ scope: orders:write }`, `{ source: [10.0.0.0/8] }`,
/// `{ all: [...] }`, `{ not: {...} }`. The compiler checks that exactly one operator is given.
/// </summary>
public sealed record RuleConfig
{
    public bool? Authenticated { get; init; }

    public string? Issuer { get; init; }

    public string? Subject { get; init; }

    /// <summary>Claim path, dotted for nested objects (`realm_access.roles`); with equals / contains / any_of.</summary>
    public string? Claim { get; init; }

    [JsonPropertyName("equals")]
    public string? EqualsValue { get; init; }

    public string? Contains { get; init; }

    public IReadOnlyList<string>? AnyOf { get; init; }

    /// <summary>An OAuth scope that must be in the space-delimited `scope` or `scp` claim.</summary>
    public string? Scope { get; init; }

    public IReadOnlyList<string>? Method { get; init; }

    /// <summary>Path glob: "/x", "/x/*", "/x/**".</summary>
    public string? Path { get; init; }

    /// <summary>Header name; with equals (EqualsValue) or present.</summary>
    public string? Header { get; init; }

    public bool? Present { get; init; }

    /// <summary>Source address CIDRs (IPv4 and IPv6).</summary>
    public IReadOnlyList<string>? Source { get; init; }

    public ClientCertRuleConfig? ClientCert { get; init; }

    public TimeWindowConfig? Time { get; init; }

    public IReadOnlyList<RuleConfig>? All { get; init; }

    public IReadOnlyList<RuleConfig>? Any { get; init; }

    public RuleConfig? Not { get; init; }
}
