namespace FastProxy.Host.Config;

/// <summary>
/// `tls:` of a listener: the default certificate chain and key (PEM), more certificates chosen by SNI, client
/// certificates (mTLS) and the handshake timeout. File paths are relative to the configuration file.
/// </summary>
public sealed record TlsListenerConfig
{
    /// <summary>PEM chain: the leaf first, then its intermediates.</summary>
    public string Certificate { get; init; } = "";

    /// <summary>PEM private key of the leaf (PKCS#8, RSA PRIVATE KEY or EC PRIVATE KEY; not encrypted).</summary>
    public string Key { get; init; } = "";

    /// <summary>More certificates, chosen by the name the client asks for (SNI); no match: the default one.</summary>
    public IReadOnlyList<SniCertificateConfig> Sni { get; init; } = [];

    /// <summary>`none` (default), `optional` (verified when sent) or `required` (refused in the handshake without one).</summary>
    public string ClientCertificate { get; init; } = TlsClientCertificateModes.None;

    /// <summary>PEM bundle of the only CAs client certificates may chain to; required unless client_certificate is none.</summary>
    public string? ClientCa { get; init; }

    /// <summary>Revocation check of client certificates: `no_check` (default), `online` or `offline` (runtime cache only).</summary>
    public string Revocation { get; init; } = TlsRevocationModes.NoCheck;

    /// <summary>Time for the ClientHello and the whole handshake; the connection is closed beyond it.</summary>
    public double HandshakeTimeoutSeconds { get; init; } = 10;
}
