using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FastProxy.Tls.Identity;

/// <summary>
/// Who a verified client certificate says the peer is, extracted once per connection after the
/// handshake: what the gate's <c>client_cert</c> rules, the audit record and the
/// <c>X-Forwarded-Client-Cert</c> field read. Only ever built from a certificate that passed
/// chain validation.
/// </summary>
public sealed class ClientCertificateIdentity
{
    internal ClientCertificateIdentity(string subject, IReadOnlyList<string> uriSans, IReadOnlyList<string> dnsSans, string sha256Fingerprint)
    {
        Subject = subject;
        UriSans = uriSans;
        DnsSans = dnsSans;
        Sha256Fingerprint = sha256Fingerprint;
    }

    /// <summary>
    /// The subject distinguished name as .NET formats it (<see cref="X509Certificate.Subject"/>):
    /// RFC 4514 order (most specific first), ", " between RDNs, .NET's attribute names (S= for
    /// stateOrProvinceName, E= for emailAddress).
    /// </summary>
    public string Subject { get; }

    /// <summary>URI subject alternative names, e.g. SPIFFE IDs, in certificate order.</summary>
    public IReadOnlyList<string> UriSans { get; }

    /// <summary>DNS subject alternative names, in certificate order.</summary>
    public IReadOnlyList<string> DnsSans { get; }

    /// <summary>SHA-256 of the certificate's DER encoding, lowercase hex (64 characters).</summary>
    public string Sha256Fingerprint { get; }

    /// <summary>Extracts the identity of <paramref name="certificate"/>.</summary>
    public static ClientCertificateIdentity FromCertificate(X509Certificate2 certificate)
    {
        var (uris, dnsNames) = SubjectAlternativeNames.Read(certificate);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(certificate.RawDataMemory.Span, hash);
        return new ClientCertificateIdentity(certificate.Subject, uris, dnsNames, Convert.ToHexStringLower(hash));
    }
}
