namespace FastProxy.Tls.Server;

/// <summary>
/// Where one server certificate comes from, as configuration states it: the chain and key PEM
/// files, and the SNI names it answers. An empty <see cref="ServerNames"/> means the DNS names
/// of the certificate's subject alternative names (wildcards included).
/// </summary>
public sealed record ServerCertificateFiles(string CertificatePath, string KeyPath, IReadOnlyList<string> ServerNames)
{
    public ServerCertificateFiles(string certificatePath, string keyPath)
        : this(certificatePath, keyPath, [])
    {
    }
}
