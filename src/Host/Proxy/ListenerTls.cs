using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Host.Config;
using FastProxy.Tls.Certificates;
using FastProxy.Tls.Server;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Proxy;

/// <summary>
/// Builds a listener's TLS from its `tls:` configuration (certificates loaded, handshake options built once), and
/// reloads it: a file that no longer loads keeps the previous certificates serving.
/// </summary>
internal static class ListenerTls
{
    public static TimeSpan HandshakeTimeout(TlsListenerConfig tls) => TimeSpan.FromSeconds(tls.HandshakeTimeoutSeconds);

    /// <summary>
    /// Throws <see cref="CertificateLoadException"/> or <see cref="CryptographicException"/> naming the file and the
    /// problem. <paramref name="offerHttp2"/>: ALPN offers h2 before http/1.1 (the listener serves both); otherwise
    /// http/1.1 alone.
    /// </summary>
    public static ServerTlsOptionsFactory Build(TlsListenerConfig tls, string baseDirectory, ILogger logger, TimeProvider time, bool offerHttp2)
    {
        string Resolve(string path) => Path.GetFullPath(path, baseDirectory);

        var mode = tls.ClientCertificate switch
        {
            TlsClientCertificateModes.Optional => ClientCertificateMode.Optional,
            TlsClientCertificateModes.Required => ClientCertificateMode.Required,
            _ => ClientCertificateMode.None,
        };
        var revocation = tls.Revocation switch
        {
            TlsRevocationModes.Online => X509RevocationMode.Online,
            TlsRevocationModes.Offline => X509RevocationMode.Offline,
            _ => X509RevocationMode.NoCheck,
        };

        return ServerTlsOptionsFactory.Create(
            new ServerCertificateFiles(Resolve(tls.Certificate), Resolve(tls.Key)),
            [.. tls.Sni.Select(s => new ServerCertificateFiles(Resolve(s.Certificate), Resolve(s.Key), s.Names ?? []))],
            new ServerTlsSettings
            {
                // RFC 7301 §3.2: the server picks from the client's list; with both offered, a client listing h2 gets it.
                ApplicationProtocols = offerHttp2
                    ? [System.Net.Security.SslApplicationProtocol.Http2, System.Net.Security.SslApplicationProtocol.Http11]
                    : [System.Net.Security.SslApplicationProtocol.Http11],
                ClientCertificateMode = mode,
                ClientCertificateAuthorities = mode == ClientCertificateMode.None || string.IsNullOrEmpty(tls.ClientCa)
                    ? null
                    : PemCertificateLoader.LoadCertificates(Resolve(tls.ClientCa)),
                RevocationMode = revocation,
            },
            logger,
            time);
    }

    /// <summary><see cref="Build"/>, with a failure turned into the message a rejected configuration reports.</summary>
    public static ServerTlsOptionsFactory? TryBuild(TlsListenerConfig tls, string baseDirectory, ILogger logger, TimeProvider time, bool offerHttp2, out string? error)
    {
        try
        {
            error = null;
            return Build(tls, baseDirectory, logger, time, offerHttp2);
        }
        catch (CertificateLoadException ex)
        {
            error = ex.Message;
        }
        catch (CryptographicException ex)
        {
            error = $"TLS certificate cannot be used: {ex.Message}";
        }

        return null;
    }
}
