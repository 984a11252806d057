using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace FastProxy.Tls.Server;

/// <summary>
/// A listener's TLS settings other than its certificates: what it negotiates and how it checks
/// client certificates. Immutable; part of what a reload swaps.
/// </summary>
public sealed class ServerTlsSettings
{
    /// <summary>ALPN protocols in server preference order (e.g. <c>http/1.1</c> now, <c>h2</c> later). Empty: no ALPN.</summary>
    public IReadOnlyList<SslApplicationProtocol> ApplicationProtocols { get; init; } = [SslApplicationProtocol.Http11];

    public ClientCertificateMode ClientCertificateMode { get; init; } = ClientCertificateMode.None;

    /// <summary>
    /// The only roots a client certificate may chain to (custom root trust, never the system
    /// store). Required unless <see cref="ClientCertificateMode"/> is None.
    /// </summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }

    /// <summary>
    /// Revocation checking of client certificates. NoCheck by default. Online fetches CRLs/OCSP
    /// named by the certificate (the handshake waits for it); Offline uses only what the
    /// runtime has cached. .NET offers no public API to feed a CRL file into chain building,
    /// so an offline CRL file is not supported.
    /// </summary>
    public X509RevocationMode RevocationMode { get; init; } = X509RevocationMode.NoCheck;

    public TlsCipherPolicy CipherPolicy { get; init; } = TlsCipherPolicy.AeadForwardSecrecy;
}
