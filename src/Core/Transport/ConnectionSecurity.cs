namespace FastProxy.Core.Transport;

/// <summary>
/// What a security layer (TLS, in src/Tls) negotiated on a connection: read through
/// <see cref="TransportConnection.Security"/>, null on a plain-text connection. Built once per handshake by the layer;
/// protocol handlers read it without knowing which layer made it, so TLS adds facts here without touching HTTP code.
/// </summary>
public sealed class ConnectionSecurity
{
    /// <summary>The negotiated protocol version as the layer names it (e.g. "Tls13").</summary>
    public string? Protocol { get; init; }

    /// <summary>The server name the client asked for (SNI), if any.</summary>
    public string? ServerName { get; init; }

    /// <summary>The application protocol agreed by ALPN ("http/1.1", "h2"), empty when none was.</summary>
    public ReadOnlyMemory<byte> ApplicationProtocol { get; init; }

    /// <summary>The client certificate's subject, when the client presented one that was accepted.</summary>
    public string? ClientCertificateSubject { get; init; }

    /// <summary>The client certificate's SHA-256 thumbprint (hex), when the client presented one that was accepted.</summary>
    public string? ClientCertificateThumbprint { get; init; }

    /// <summary>The accepted client certificate's URI subject alternative names (e.g. SPIFFE IDs); empty without one.</summary>
    public IReadOnlyList<string> ClientCertificateUriSans { get; init; } = [];

    /// <summary>
    /// The accepted client certificate as one element of an <c>X-Forwarded-Client-Cert</c> field (Envoy's format, visible
    /// ASCII), built once by the security layer; empty without a certificate. Sent upstream on routes that ask for it.
    /// </summary>
    public ReadOnlyMemory<byte> ForwardedClientCert { get; init; }

    /// <summary>The accepted client certificate's DNS subject alternative names; empty without one.</summary>
    public IReadOnlyList<string> ClientCertificateDnsSans { get; init; } = [];
}
