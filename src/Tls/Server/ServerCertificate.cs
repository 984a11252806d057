using System.Net.Security;
using FastProxy.Tls.Certificates;

namespace FastProxy.Tls.Server;

/// <summary>
/// A loaded server certificate with its <see cref="SslStreamCertificateContext"/>, built once at
/// load so that a handshake never builds a chain. <see cref="Index"/> is its position in the
/// selector, which per-certificate state (prebuilt handshake options) is keyed by.
/// </summary>
public sealed class ServerCertificate
{
    internal ServerCertificate(int index, CertificateChain chain, SslStreamCertificateContext context, IReadOnlyList<string> serverNames, string certificatePath)
    {
        Index = index;
        Chain = chain;
        Context = context;
        ServerNames = serverNames;
        CertificatePath = certificatePath;
    }

    public int Index { get; }

    public CertificateChain Chain { get; }

    public SslStreamCertificateContext Context { get; }

    /// <summary>The SNI names (normalised: lower case, no trailing dot) this certificate answers.</summary>
    public IReadOnlyList<string> ServerNames { get; }

    public string CertificatePath { get; }
}
