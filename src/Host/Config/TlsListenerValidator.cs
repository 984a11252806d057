namespace FastProxy.Host.Config;

/// <summary>
/// A listener's `tls:`: certificate and key given, SNI entries complete, client certificate mode and revocation known,
/// a client CA wherever client certificates are asked for, a sane handshake timeout. Whether the files load (and the
/// key matches) is checked when the listener's TLS is built, with the file and the problem named.
/// </summary>
internal static class TlsListenerValidator
{
    public static void Validate(TlsListenerConfig tls, string path, ConfigErrorSink errors)
    {
        RequireFile(tls.Certificate, DocumentPath.Property(path, "certificate"), "a PEM certificate chain file (leaf first)", errors);
        RequireFile(tls.Key, DocumentPath.Property(path, "key"), "the PEM private key file of the certificate", errors);

        for (var i = 0; i < tls.Sni.Count; i++)
        {
            var sniPath = DocumentPath.Index(DocumentPath.Property(path, "sni"), i);
            var sni = tls.Sni[i];
            if (sni is null)
            {
                errors.Add(sniPath, "an SNI entry must be a mapping with certificate, key and optional names");
                continue;
            }

            RequireFile(sni.Certificate, DocumentPath.Property(sniPath, "certificate"), "a PEM certificate chain file (leaf first)", errors);
            RequireFile(sni.Key, DocumentPath.Property(sniPath, "key"), "the PEM private key file of the certificate", errors);
            if (sni.Names is { } names)
            {
                for (var n = 0; n < names.Count; n++)
                {
                    if (!IsServerName(names[n]))
                    {
                        errors.Add(DocumentPath.Index(DocumentPath.Property(sniPath, "names"), n), $"'{names[n]}' is not a host name or a '*.' wildcard (e.g. api.example.com, *.example.com)");
                    }
                }
            }
        }

        var modePath = DocumentPath.Property(path, "client_certificate");
        switch (tls.ClientCertificate)
        {
            case TlsClientCertificateModes.None:
                if (!string.IsNullOrEmpty(tls.ClientCa))
                {
                    errors.Add(DocumentPath.Property(path, "client_ca"), "client_ca is set but client_certificate is 'none'; set client_certificate to 'optional' or 'required', or remove client_ca");
                }

                break;
            case TlsClientCertificateModes.Optional:
            case TlsClientCertificateModes.Required:
                if (string.IsNullOrWhiteSpace(tls.ClientCa))
                {
                    errors.Add(DocumentPath.Property(path, "client_ca"), $"client_certificate '{tls.ClientCertificate}' needs client_ca: the PEM bundle of the CAs client certificates must chain to");
                }

                break;
            default:
                errors.Add(modePath, $"unknown client_certificate '{tls.ClientCertificate}'; expected none, optional or required");
                break;
        }

        if (tls.Revocation is not (TlsRevocationModes.NoCheck or TlsRevocationModes.Online or TlsRevocationModes.Offline))
        {
            errors.Add(DocumentPath.Property(path, "revocation"), $"unknown revocation '{tls.Revocation}'; expected no_check, online or offline (a CRL file is not supported)");
        }

        if (!SaneSeconds.IsValid(tls.HandshakeTimeoutSeconds, allowZero: false))
        {
            errors.Add(DocumentPath.Property(path, "handshake_timeout_seconds"), SaneSeconds.Message(allowZero: false));
        }
    }

    private static void RequireFile(string? value, string path, string what, ConfigErrorSink errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(path, $"required: {what}");
        }
    }

    private static bool IsServerName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 253)
        {
            return false;
        }

        var host = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        return host.Length > 0 && host.Split('.').All(label => label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }
}
