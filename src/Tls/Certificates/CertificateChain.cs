using System.Security.Cryptography.X509Certificates;

namespace FastProxy.Tls.Certificates;

/// <summary>
/// A leaf certificate that carries its private key, plus the intermediates that follow it in the
/// chain file (leaf first, then each issuer). The root is normally not in the file: peers have it.
/// </summary>
public sealed class CertificateChain
{
    public CertificateChain(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        Leaf = leaf;
        Intermediates = intermediates;
    }

    /// <summary>The end-entity certificate, with its private key attached.</summary>
    public X509Certificate2 Leaf { get; }

    /// <summary>The certificates after the leaf in the file, in file order.</summary>
    public X509Certificate2Collection Intermediates { get; }
}
