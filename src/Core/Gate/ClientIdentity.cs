using System.Net;

namespace FastProxy.Core.Gate;

/// <summary>
/// What the transport knows about the peer of a downstream connection: its address and, once
/// TLS lands, its verified client certificate identity. Built once per connection.
/// </summary>
public sealed class ClientIdentity
{
    public static readonly ClientIdentity Unknown = new(null, null, [], []);

    public ClientIdentity(IPAddress? address, string? certificateSubject, IReadOnlyList<string> uriSans, IReadOnlyList<string> dnsSans)
        : this(address, certificateSubject, uriSans, dnsSans, null)
    {
    }

    public ClientIdentity(IPAddress? address, string? certificateSubject, IReadOnlyList<string> uriSans, IReadOnlyList<string> dnsSans, string? certificateFingerprint)
    {
        Address = address;
        CertificateSubject = certificateSubject;
        UriSans = uriSans;
        DnsSans = dnsSans;
        CertificateFingerprint = certificateFingerprint;
    }

    /// <summary>The remote IP address (IPv4-mapped IPv6 addresses are unmapped), or null.</summary>
    public IPAddress? Address { get; }

    /// <summary>Subject of a verified client certificate, or null without mTLS.</summary>
    public string? CertificateSubject { get; }

    public IReadOnlyList<string> UriSans { get; }

    public IReadOnlyList<string> DnsSans { get; }

    /// <summary>SHA-256 of the verified client certificate (lowercase hex), or null without one.</summary>
    public string? CertificateFingerprint { get; }

    public bool HasCertificate => CertificateSubject is not null;

    /// <summary>The certificate as an <c>X-Forwarded-Client-Cert</c> element (see <see cref="Transport.ConnectionSecurity.ForwardedClientCert"/>); empty without one.</summary>
    public ReadOnlyMemory<byte> ForwardedClientCert { get; init; }

    /// <summary>The identity of a connection's peer: its address and what its security layer (mTLS) verified, if any.</summary>
    public static ClientIdentity ForConnection(IPAddress? address, Transport.ConnectionSecurity? security)
        => security is null
            ? new ClientIdentity(address, null, [], [])
            : new ClientIdentity(address, security.ClientCertificateSubject, security.ClientCertificateUriSans, security.ClientCertificateDnsSans, security.ClientCertificateThumbprint)
            {
                ForwardedClientCert = security.ForwardedClientCert,
            };
}
