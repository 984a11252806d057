using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Core.Transport;
using FastProxy.Tls.Identity;

namespace FastProxy.Tls.Server;

/// <summary>What a completed server handshake tells the layers above: built once per connection.</summary>
internal static class TlsConnectionFacts
{
    public static ConnectionSecurity From(SslStream ssl)
    {
        // Only a certificate that passed validation reaches RemoteCertificate (a refused one fails the handshake).
        var identity = ssl.RemoteCertificate is X509Certificate2 certificate ? ClientCertificateIdentity.FromCertificate(certificate) : null;
        return new ConnectionSecurity
        {
            Protocol = ssl.SslProtocol.ToString(),
            ServerName = string.IsNullOrEmpty(ssl.TargetHostName) ? null : ssl.TargetHostName,
            ApplicationProtocol = ssl.NegotiatedApplicationProtocol.Protocol,
            ClientCertificateSubject = identity?.Subject,
            ClientCertificateThumbprint = identity?.Sha256Fingerprint,
            ClientCertificateUriSans = identity?.UriSans ?? [],
            ClientCertificateDnsSans = identity?.DnsSans ?? [],
            ForwardedClientCert = identity is null ? default : System.Text.Encoding.ASCII.GetBytes(ForwardedClientCert.Format(identity)),
        };
    }
}
