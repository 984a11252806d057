using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Host.Config;
using FastProxy.Tls.Certificates;
using FastProxy.Tls.Client;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Proxy;

/// <summary>
/// Builds a cluster's upstream TLS from its `tls:` configuration: CA bundle and client certificate loaded once per
/// configuration (a reload builds new clusters, so a changed block or file takes effect for new connections).
/// </summary>
internal static class ClusterTls
{
    /// <summary>
    /// Throws <see cref="CertificateLoadException"/> or <see cref="CryptographicException"/> naming the file and the problem.
    /// <paramref name="protocol"/> is the cluster's: `h2` offers ALPN h2 alone and refuses a server that selects anything
    /// else (RFC 9113 §3.2); `http1` offers http/1.1.
    /// </summary>
    public static UpstreamTlsOptionsFactory Build(ClusterTlsConfig tls, string baseDirectory, ILogger logger, TimeProvider time, string protocol = UpstreamProtocols.Http1)
    {
        var http2 = string.Equals(protocol, UpstreamProtocols.H2, StringComparison.Ordinal);
        string Resolve(string path) => Path.GetFullPath(path, baseDirectory);

        var settings = new UpstreamTlsSettings
        {
            ServerName = string.IsNullOrEmpty(tls.ServerName) ? null : tls.ServerName,
            CertificateAuthorities = string.IsNullOrEmpty(tls.Ca) ? null : PemCertificateLoader.LoadCertificates(Resolve(tls.Ca)),

            // Expired or not yet valid: refused at load, as a listener's certificate is (every upstream would refuse it).
            ClientCertificate = string.IsNullOrEmpty(tls.ClientCertificate) || string.IsNullOrEmpty(tls.ClientKey)
                ? null
                : PemCertificateLoader.LoadChain(Resolve(tls.ClientCertificate), Resolve(tls.ClientKey), time),
            EnabledProtocols = Protocols(tls.MinVersion),
            ApplicationProtocols = http2 ? [SslApplicationProtocol.Http2] : [SslApplicationProtocol.Http11],
            RequiredApplicationProtocol = http2 ? SslApplicationProtocol.Http2 : null,
            RevocationMode = tls.Revocation switch
            {
                TlsRevocationModes.Online => X509RevocationMode.Online,
                TlsRevocationModes.Offline => X509RevocationMode.Offline,
                _ => X509RevocationMode.NoCheck,
            },
        };
        return new UpstreamTlsOptionsFactory(settings, logger, time);
    }

#pragma warning disable CA5398 // deliberate protocol pin: TLS 1.2 and 1.3 only (RFC 8996)
    private static SslProtocols Protocols(string minVersion)
    {
        var protocols = SslProtocols.Tls13;
        if (!string.Equals(minVersion, TlsVersions.Tls13, StringComparison.Ordinal))
        {
            protocols |= SslProtocols.Tls12;
        }

        return protocols;
    }
#pragma warning restore CA5398
}
