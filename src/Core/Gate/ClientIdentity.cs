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
    {
        Address = address;
        CertificateSubject = certificateSubject;
        UriSans = uriSans;
        DnsSans = dnsSans;
    }

    /// <summary>The remote IP address (IPv4-mapped IPv6 addresses are unmapped), or null.</summary>
    public IPAddress? Address { get; }

    /// <summary>Subject of a verified client certificate, or null without mTLS.</summary>
    public string? CertificateSubject { get; }

    public IReadOnlyList<string> UriSans { get; }

    public IReadOnlyList<string> DnsSans { get; }

    public bool HasCertificate => CertificateSubject is not null;
}
