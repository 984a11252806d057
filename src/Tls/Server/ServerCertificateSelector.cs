using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Certificates;

namespace FastProxy.Tls.Server;

/// <summary>
/// Picks the certificate for a handshake from the client's SNI: an exact name first, then a
/// <c>*.</c> wildcard that stands for exactly one label, else the default certificate. Names
/// compare case-insensitively and a trailing dot is ignored. Immutable: a reload builds a new
/// selector (<see cref="Load"/>) and swaps it whole.
/// </summary>
/// <remarks>
/// Each certificate's <see cref="SslStreamCertificateContext"/> is created with
/// <c>offline: true</c>: the chain sent to clients is the leaf plus the intermediates of its own
/// file (and any the local store supplies), never intermediates fetched from AIA URLs at load.
/// Loading must not depend on the network (a reload would stall or differ between replicas) nor
/// fetch URLs a certificate names; a missing intermediate is a config error that
/// <c>fastproxy check</c> reports. OCSP stapling is unaffected: the runtime fetches staples in the
/// background when the chain reaches a known root and the certificate names an OCSP responder.
/// </remarks>
public sealed class ServerCertificateSelector
{
    private readonly Dictionary<string, ServerCertificate>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly Dictionary<string, ServerCertificate>.AlternateLookup<ReadOnlySpan<char>> _wildcardParents;

    private ServerCertificateSelector(ServerCertificate defaultCertificate, ServerCertificate[] certificates, Dictionary<string, ServerCertificate> exact, Dictionary<string, ServerCertificate> wildcardParents)
    {
        Default = defaultCertificate;
        Certificates = certificates;
        _exact = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcardParents = wildcardParents.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The certificate for clients without SNI or with a name no other certificate answers.</summary>
    public ServerCertificate Default { get; }

    /// <summary>All certificates; the default is at index 0.</summary>
    public IReadOnlyList<ServerCertificate> Certificates { get; }

    /// <summary>
    /// Loads every certificate and builds its context. Throws <see cref="CertificateLoadException"/>
    /// naming the file and the problem; nothing is half-built.
    /// </summary>
    /// <param name="defaultCertificate">Served when no other certificate answers the SNI name.</param>
    /// <param name="sniCertificates">More certificates, chosen by SNI.</param>
    /// <param name="clientTrust">
    /// Optional client CA list sent in the CertificateRequest so clients pick the right certificate
    /// (mTLS); null sends none.
    /// </param>
    /// <param name="time">The clock validity is checked against.</param>
    public static ServerCertificateSelector Load(ServerCertificateFiles defaultCertificate, IReadOnlyList<ServerCertificateFiles> sniCertificates, SslCertificateTrust? clientTrust, TimeProvider time)
    {
        var all = new ServerCertificate[sniCertificates.Count + 1];
        var exact = new Dictionary<string, ServerCertificate>(StringComparer.OrdinalIgnoreCase);
        var wildcardParents = new Dictionary<string, ServerCertificate>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < all.Length; i++)
        {
            var files = i == 0 ? defaultCertificate : sniCertificates[i - 1];
            var chain = PemCertificateLoader.LoadChain(files.CertificatePath, files.KeyPath, time);
            var names = NamesFor(files, chain.Leaf);
            var context = SslStreamCertificateContext.Create(chain.Leaf, chain.Intermediates, offline: true, clientTrust);
            var certificate = new ServerCertificate(i, chain, context, names, files.CertificatePath);
            all[i] = certificate;
            foreach (var name in names)
            {
                var isWildcard = name.StartsWith("*.", StringComparison.Ordinal);
                var map = isWildcard ? wildcardParents : exact;
                var key = isWildcard ? name[2..] : name;
                if (map.TryGetValue(key, out var other))
                {
                    // The default certificate may repeat a name an SNI certificate also states
                    // (e.g. its own SAN); the explicit SNI entry wins. Two SNI entries may not.
                    if (other.Index != 0)
                    {
                        throw new CertificateLoadException(
                            $"certificate file '{files.CertificatePath}': server name '{name}' is already served by '{other.CertificatePath}'");
                    }
                }

                if (i != 0 || !map.ContainsKey(key))
                {
                    map[key] = certificate;
                }
            }
        }

        return new ServerCertificateSelector(all[0], all, exact, wildcardParents);
    }

    /// <summary>The certificate for <paramref name="serverName"/> (the client's SNI, possibly null or empty).</summary>
    public ServerCertificate Select(ReadOnlySpan<char> serverName)
    {
        // RFC 6066 §3: the name has no trailing dot, but clients that copy an absolute DNS
        // name send one; it names the same host.
        if (serverName.Length > 0 && serverName[^1] == '.')
        {
            serverName = serverName[..^1];
        }

        if (serverName.IsEmpty)
        {
            return Default;
        }

        if (_exact.TryGetValue(serverName, out var certificate))
        {
            return certificate;
        }

        // "*.example.com" stands for exactly one non-empty label (RFC 6125 §6.4.3).
        var dot = serverName.IndexOf('.');
        if (dot > 0 && _wildcardParents.TryGetValue(serverName[(dot + 1)..], out certificate))
        {
            return certificate;
        }

        return Default;
    }

    private static string[] NamesFor(ServerCertificateFiles files, X509Certificate2 leaf)
    {
        var configured = files.ServerNames;
        var names = new List<string>();
        if (configured.Count == 0)
        {
            foreach (var extension in leaf.Extensions)
            {
                if (extension is X509SubjectAlternativeNameExtension san)
                {
                    foreach (var dns in san.EnumerateDnsNames())
                    {
                        names.Add(dns);
                    }
                }
            }
        }
        else
        {
            names.AddRange(configured);
        }

        var normalised = new string[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            normalised[i] = Normalise(names[i], files.CertificatePath);
        }

        return normalised;
    }

    private static string Normalise(string name, string certificatePath)
    {
        var trimmed = name.Trim().TrimEnd('.').ToLowerInvariant();
        var star = trimmed.LastIndexOf('*');
        var valid = trimmed.Length > 0
            && (star < 0 || (star == 0 && trimmed.Length > 2 && trimmed[1] == '.' && trimmed.IndexOf('.', 2) > 2));
        if (!valid)
        {
            throw new CertificateLoadException(
                $"certificate file '{certificatePath}': server name '{name}' is not a host name or a '*.' wildcard over at least two labels");
        }

        return trimmed;
    }
}
