namespace FastProxy.Tls.Tests;

/// <summary>What a generated end-entity certificate looks like.</summary>
internal sealed record LeafSpec
{
    public IReadOnlyList<string> DnsNames { get; init; } = [];

    public IReadOnlyList<string> Uris { get; init; } = [];

    public KeyKind Key { get; init; } = KeyKind.EcdsaP256;

    /// <summary>Offset of notBefore from now; negative is in the past.</summary>
    public TimeSpan NotBefore { get; init; } = TimeSpan.FromDays(-1);

    /// <summary>Offset of notAfter from now.</summary>
    public TimeSpan NotAfter { get; init; } = TimeSpan.FromDays(90);

    public bool ServerAuth { get; init; } = true;

    public bool ClientAuth { get; init; } = true;

    /// <summary>Leave out the subject alternative name extension.</summary>
    public bool WithoutSan { get; init; }
}
