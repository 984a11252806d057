namespace FastProxy.Host.Config;

/// <summary>
/// `tls:` of a cluster: the proxy speaks TLS to every endpoint of the cluster and verifies who answers. Its presence
/// turns TLS on; there is no switch to skip verification (a zero-trust proxy verifies every hop). File paths are
/// relative to the configuration file.
/// </summary>
public sealed record ClusterTlsConfig
{
    /// <summary>The name sent as SNI and that the upstream's certificate must be valid for. Unset: the endpoint's host.</summary>
    public string? ServerName { get; init; }

    /// <summary>PEM bundle of the only CAs the upstream's certificate may chain to. Unset: the system trust store.</summary>
    public string? Ca { get; init; }

    /// <summary>PEM chain (leaf first) the proxy presents to the upstream (mTLS); needs <see cref="ClientKey"/>.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertificate"/> (PKCS#8, RSA PRIVATE KEY or EC PRIVATE KEY; not encrypted).</summary>
    public string? ClientKey { get; init; }

    /// <summary>Lowest TLS version offered: `1.2` (default: 1.2 and 1.3) or `1.3` (1.3 only).</summary>
    public string MinVersion { get; init; } = TlsVersions.Tls12;

    /// <summary>Revocation check of the upstream's certificate: `no_check` (default), `online` or `offline` (runtime cache only).</summary>
    public string Revocation { get; init; } = TlsRevocationModes.NoCheck;
}
