using FastProxy.Host.Config;
using FastProxy.Tls.Checking;

namespace FastProxy.Host.Commands;

/// <summary>
/// The certificate part of `fastproxy check`: every TLS listener's certificates (default and SNI) checked for expiry
/// (a warning within 30 days), key match, chain (a warning: it can only be compared with the system trust store) and SANs; each finding printed with the listener it belongs to.
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

        return errors;
    }

    private static int ReportOne(string path, string certificate, string key, string baseDirectory, string? configPath)
    {
        var findings = CertificateChecker.Check(Path.GetFullPath(certificate, baseDirectory), Path.GetFullPath(key, baseDirectory), null, ExpiryWarning, TimeProvider.System);
        var errors = 0;
        foreach (var finding in findings)
        {
            // No CA is configured for a listener's own chain, so the checker can only compare it with the system trust
            // store: a chain to a private CA that the clients trust is fine, so that finding is a warning here.
            var untrustedByThisHost = finding.Kind is CertificateFindingKind.ChainNotToCa or CertificateFindingKind.MissingIntermediate;
            if (finding.Severity == CertificateFindingSeverity.Error && !untrustedByThisHost)
            {
                errors++;
                Console.Error.WriteLine($"fastproxy: {configPath}: {path}: {finding.Message}");
            }
            else
            {
                var note = untrustedByThisHost ? " (fine if the clients trust a private CA that issued it)" : "";
                Console.Error.WriteLine($"fastproxy: {configPath}: warning: {path}: {finding.Message}{note}");
            }
        }

        return errors;
    }
}
