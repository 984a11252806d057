using System.Net;

namespace FastProxy.Host.Config;

/// <summary>
/// A cluster's `tls:`: a server name that is a host name or an IP literal, a client certificate only with its key
/// (and the other way round), a known minimum version and revocation mode. Whether the files load (and the client
/// key matches its certificate) is checked when the cluster is built, with the file and the problem named.
/// </summary>
internal static class ClusterTlsValidator
{
    public static void Validate(ClusterTlsConfig tls, string path, ConfigErrorSink errors)
    {
        if (tls.ServerName is { } serverName && !IsServerName(serverName))
        {
            errors.Add(DocumentPath.Property(path, "server_name"), $"'{serverName}' is not a host name or an IP address (e.g. orders.internal)");
        }

        if (tls.Ca is { } ca && string.IsNullOrWhiteSpace(ca))
        {
            errors.Add(DocumentPath.Property(path, "ca"), "empty; give the PEM bundle of the CAs the upstream's certificate must chain to, or leave ca out for the system trust store");
        }

        var hasCertificate = !string.IsNullOrWhiteSpace(tls.ClientCertificate);
        var hasKey = !string.IsNullOrWhiteSpace(tls.ClientKey);
        if (hasCertificate && !hasKey)
        {
            errors.Add(DocumentPath.Property(path, "client_key"), "required with client_certificate: the PEM private key of the client certificate");
        }
        else if (hasKey && !hasCertificate)
        {
            errors.Add(DocumentPath.Property(path, "client_certificate"), "required with client_key: the PEM certificate chain (leaf first) the proxy presents to the upstream");
        }

        if (tls.MinVersion is not (TlsVersions.Tls12 or TlsVersions.Tls13))
        {
            errors.Add(DocumentPath.Property(path, "min_version"), $"unknown min_version '{tls.MinVersion}'; expected {TlsVersions.Tls12} or {TlsVersions.Tls13} (TLS 1.0 and 1.1 are not offered, RFC 8996)");
        }

        if (tls.Revocation is not (TlsRevocationModes.NoCheck or TlsRevocationModes.Online or TlsRevocationModes.Offline))
        {
            errors.Add(DocumentPath.Property(path, "revocation"), $"unknown revocation '{tls.Revocation}'; expected no_check, online or offline (a CRL file is not supported)");
        }
    }

    private static bool IsServerName(string name) =>
        name.Length > 0 && (IPAddress.TryParse(name, out _) || EndpointAddress.IsHostName(name));
}
