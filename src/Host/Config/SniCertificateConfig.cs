namespace FastProxy.Host.Config;

/// <summary>One SNI certificate of a TLS listener; without `names` it serves the names of its own certificate (SANs).</summary>
public sealed record SniCertificateConfig
{
    public string Certificate { get; init; } = "";

    public string Key { get; init; } = "";

    /// <summary>Exact host names or `*.` wildcards (one label); null: the certificate's DNS SANs.</summary>
    public IReadOnlyList<string>? Names { get; init; }
}
