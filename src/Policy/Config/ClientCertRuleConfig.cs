namespace FastProxy.Policy.Config;

/// <summary>Client certificate identity: a URI SAN (SPIFFE id, trailing '*' allowed), a DNS SAN or the subject.</summary>
public sealed record ClientCertRuleConfig
{
    public string? UriSan { get; init; }

    public string? DnsSan { get; init; }

    public string? Subject { get; init; }
}
