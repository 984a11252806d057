using System.Net.Security;
using System.Security.Authentication;
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

    /// <summary>
    /// The protocol the upstream must select with ALPN (HTTP/2 clusters: h2, RFC 9113 §3.2); a handshake where it picks
    /// another or none is a failed connect. Null: whatever the upstream selects, or no ALPN, is accepted.
    /// </summary>
    public SslApplicationProtocol? RequiredApplicationProtocol { get; init; }

    public X509RevocationMode RevocationMode { get; init; } = X509RevocationMode.NoCheck;

    /// <summary>
    /// The TLS versions offered: 1.2 and 1.3 (default, RFC 8996 retired the older ones), or 1.3 alone for an upstream
    /// that must never be reached over 1.2. Anything older is refused by the factory.
    /// </summary>
#pragma warning disable CA5398 // deliberate protocol pin: TLS 1.2 and 1.3 only (RFC 8996)
    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;
#pragma warning restore CA5398
}
