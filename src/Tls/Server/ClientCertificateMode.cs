namespace FastProxy.Tls.Server;

/// <summary>Whether a listener asks clients for a certificate (config <c>client_certificate</c>).</summary>
public enum ClientCertificateMode
{
    /// <summary>No certificate is requested.</summary>
    None,

    /// <summary>A certificate is requested; a client without one is let through with no identity, an invalid one is refused.</summary>
    Optional,

    /// <summary>A valid certificate is required; without one the handshake fails.</summary>
    Required,
}
