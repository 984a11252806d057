using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Certificates;

namespace FastProxy.Tls.Client;

/// <summary>A cluster's <c>tls:</c> settings towards its upstreams. Immutable; part of the compiled config.</summary>
public sealed class UpstreamTlsSettings
{
    /// <summary>
    /// The only roots the upstream's certificate may chain to (custom root trust). Null: the
    /// system trust store.
    /// </summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>The SNI name sent and verified. Null: the endpoint's host.</summary>
    public string? ServerName { get; init; }

    /// <summary>Whether the certificate must name the SNI host. On unless explicitly turned off.</summary>
    public bool VerifyHostName { get; init; } = true;

    /// <summary>A client certificate (mTLS towards the upstream), or null.</summary>
    public CertificateChain? ClientCertificate { get; init; }

    /// <summary>ALPN offered to the upstream, in preference order. Empty: no ALPN.</summary>
    public IReadOnlyList<SslApplicationProtocol> ApplicationProtocols { get; init; } = [SslApplicationProtocol.Http11];

    public X509RevocationMode RevocationMode { get; init; } = X509RevocationMode.NoCheck;
}
