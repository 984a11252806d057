using FastProxy.Host.Config;
using FastProxy.Tls.Checking;

namespace FastProxy.Host.Commands;

/// <summary>
/// The certificate part of `fastproxy check`: every TLS listener's certificates (default and SNI) checked for expiry
/// (a warning within 30 days), key match, chain (a warning: it can only be compared with the system trust store) and SANs;
/// every TLS cluster's CA bundle (readable, every certificate valid now) and client certificate (as a listener's, SAN optional);
/// each finding printed with the listener or cluster it belongs to.
/// </summary>
internal static class TlsCertificateChecks
{
    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(30);

    /// <summary>Prints the findings; returns the number of errors.</summary>
    public static int Report(FastProxyConfig config, string baseDirectory, string? configPath)
    {
        var errors = 0;
        for (var i = 0; i < config.Listeners.Count; i++)
        {
            if (config.Listeners[i].Tls is not { } tls)
            {
                continue;
            }

            errors += ReportOne($"listeners[{i}].tls", tls.Certificate, tls.Key, baseDirectory, configPath);
            for (var s = 0; s < tls.Sni.Count; s++)
            {
                errors += ReportOne($"listeners[{i}].tls.sni[{s}]", tls.Sni[s].Certificate, tls.Sni[s].Key, baseDirectory, configPath);
            }
        }

        foreach (var (name, cluster) in config.Clusters)
        {
            if (cluster?.Tls is not { } tls)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(tls.Ca))
            {
                errors += Print($"clusters.{name}.tls.ca", CertificateChecker.CheckAuthorities(Path.GetFullPath(tls.Ca, baseDirectory), ExpiryWarning, TimeProvider.System), configPath, sanOptional: false);
            }

            if (!string.IsNullOrEmpty(tls.ClientCertificate) && !string.IsNullOrEmpty(tls.ClientKey))
            {
                // A client certificate is identified by its subject or URI SAN, not matched against a host name: no SAN is fine.
                errors += ReportOne($"clusters.{name}.tls.client_certificate", tls.ClientCertificate, tls.ClientKey, baseDirectory, configPath, sanOptional: true);
            }
        }

        return errors;
    }

    private static int ReportOne(string path, string certificate, string key, string baseDirectory, string? configPath, bool sanOptional = false)
    {
        var findings = CertificateChecker.Check(Path.GetFullPath(certificate, baseDirectory), Path.GetFullPath(key, baseDirectory), null, ExpiryWarning, TimeProvider.System);
        return Print(path, findings, configPath, sanOptional);
    }

    private static int Print(string path, IReadOnlyList<CertificateFinding> findings, string? configPath, bool sanOptional)
    {
        var errors = 0;
        foreach (var finding in findings)
        {
            // No CA is configured for a certificate we present, so the checker can only compare it with the system trust
            // store: a chain to a private CA that the peers trust is fine, so that finding is a warning here.
            var untrustedByThisHost = finding.Kind is CertificateFindingKind.ChainNotToCa or CertificateFindingKind.MissingIntermediate;
            var notRequired = untrustedByThisHost || (sanOptional && finding.Kind == CertificateFindingKind.NoSubjectAlternativeName);
            if (finding.Severity == CertificateFindingSeverity.Error && !notRequired)
            {
                errors++;
                Console.Error.WriteLine($"fastproxy: {configPath}: {path}: {finding.Message}");
            }
            else
            {
                var note = untrustedByThisHost ? " (fine if the peers trust a private CA that issued it)" : "";
                Console.Error.WriteLine($"fastproxy: {configPath}: warning: {path}: {finding.Message}{note}");
            }
        }

        return errors;
    }
}
