using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Certificates;

namespace FastProxy.Tls.Checking;

/// <summary>
/// Checks a certificate file + key file (+ optional CA file) the way <c>fastproxy check</c>
/// reports them: every problem found, not only the first, each with a message naming the file.
/// Chain building is offline (no AIA downloads), like loading.
/// </summary>
public static class CertificateChecker
{
    private const string CertificateRole = "certificate file";
    private const string CaRole = "CA file";

    /// <summary>Returns the findings; an empty list means the files are fine.</summary>
    /// <param name="certificatePath">The chain file: leaf first, then intermediates.</param>
    /// <param name="keyPath">The private key of the leaf.</param>
    /// <param name="caPath">The CA bundle the chain must lead to; null checks against the system trust store.</param>
    /// <param name="expiryWarning">How long before expiry to warn (e.g. 30 days).</param>
    /// <param name="time">The clock the dates are checked against.</param>
    public static IReadOnlyList<CertificateFinding> Check(string certificatePath, string keyPath, string? caPath, TimeSpan expiryWarning, TimeProvider time)
    {
        var findings = new List<CertificateFinding>();
        X509Certificate2Collection certificates;
        try
        {
            certificates = PemCertificateLoader.LoadCertificates(certificatePath, CertificateRole);
        }
        catch (CertificateLoadException ex)
        {
            findings.Add(Error(CertificateFindingKind.Unreadable, ex.Message));
            return findings;
        }

        CheckKey(certificatePath, keyPath, findings);
        var now = time.GetUtcNow();
        CheckDates(certificatePath, certificates, now, expiryWarning, findings);
        CheckSubjectAlternativeNames(certificatePath, certificates[0], findings);

        X509Certificate2Collection? authorities = null;
        if (caPath is not null)
        {
            try
            {
                authorities = PemCertificateLoader.LoadCertificates(caPath);
            }
            catch (CertificateLoadException ex)
            {
                findings.Add(Error(CertificateFindingKind.Unreadable, ex.Message));
                return findings;
            }
        }

        CheckChain(certificatePath, caPath, certificates, authorities, now, findings);
        return findings;
    }

    /// <summary>
    /// Checks a CA bundle (the roots a peer's certificate must chain to): readable, and every certificate in it valid
    /// now (an expired root makes every handshake fail), with a warning when one expires within <paramref name="expiryWarning"/>.
    /// </summary>
    public static IReadOnlyList<CertificateFinding> CheckAuthorities(string caPath, TimeSpan expiryWarning, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var findings = new List<CertificateFinding>();
        try
        {
            var authorities = PemCertificateLoader.LoadCertificates(caPath);
            CheckDates(caPath, authorities, time.GetUtcNow(), expiryWarning, findings, CaRole);
        }
        catch (CertificateLoadException ex)
        {
            findings.Add(Error(CertificateFindingKind.Unreadable, ex.Message));
        }

        return findings;
    }

    private static void CheckKey(string certificatePath, string keyPath, List<CertificateFinding> findings)
    {
        try
        {
            PemCertificateLoader.LoadChainIgnoringValidity(certificatePath, keyPath);
        }
        catch (CertificateLoadException ex)
        {
            findings.Add(Error(ex.IsKeyMismatch ? CertificateFindingKind.KeyMismatch : CertificateFindingKind.Unreadable, ex.Message));
        }
    }

    private static void CheckDates(string path, X509Certificate2Collection certificates, DateTimeOffset now, TimeSpan expiryWarning, List<CertificateFinding> findings, string role = CertificateRole)
    {
        foreach (var certificate in certificates)
        {
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            if (now > notAfter)
            {
                findings.Add(Error(CertificateFindingKind.Expired, string.Create(CultureInfo.InvariantCulture,
                    $"{role} '{path}': certificate '{certificate.Subject}' expired at {notAfter:yyyy-MM-dd HH:mm:ss}Z")));
            }
            else if (now < notBefore)
            {
                findings.Add(Error(CertificateFindingKind.NotYetValid, string.Create(CultureInfo.InvariantCulture,
                    $"{role} '{path}': certificate '{certificate.Subject}' is not valid before {notBefore:yyyy-MM-dd HH:mm:ss}Z")));
            }
            else if (notAfter - now < expiryWarning)
            {
                var days = (int)Math.Floor((notAfter - now).TotalDays);
                findings.Add(new CertificateFinding(CertificateFindingKind.ExpiresSoon, CertificateFindingSeverity.Warning, string.Create(CultureInfo.InvariantCulture,
                    $"{role} '{path}': certificate '{certificate.Subject}' expires in {days} days, at {notAfter:yyyy-MM-dd HH:mm:ss}Z")));
            }
        }
    }

    private static void CheckSubjectAlternativeNames(string path, X509Certificate2 leaf, List<CertificateFinding> findings)
    {
        foreach (var extension in leaf.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san && san.RawData.Length > 2)
            {
                return;
            }
        }

        findings.Add(Error(CertificateFindingKind.NoSubjectAlternativeName,
            $"{CertificateRole} '{path}': certificate '{leaf.Subject}' has no subject alternative name; clients match names against SANs only and ignore the subject CN (RFC 6125 §6.4.4)"));
    }

    private static void CheckChain(string path, string? caPath, X509Certificate2Collection certificates, X509Certificate2Collection? authorities, DateTimeOffset now, List<CertificateFinding> findings)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTimeIgnored = false;
        policy.VerificationTime = now.UtcDateTime;

        // Dates are reported above, for every certificate; here only the path matters.
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        for (var i = 1; i < certificates.Count; i++)
        {
            policy.ExtraStore.Add(certificates[i]);
        }

        if (authorities is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(authorities);

            // Intermediates in the CA file are allowed to complete the chain here so that a
            // missing one can be named; clients will not have them.
            policy.ExtraStore.AddRange(authorities);
        }

        var trustName = caPath is null ? "the system trust store" : $"the CA file '{caPath}'";
        var leaf = certificates[0];
        if (chain.Build(leaf))
        {
            ReportIntermediatesNotInFile(path, certificates, chain, trustName, findings);
            return;
        }

        var elements = chain.ChainElements;
        var top = elements[^1].Certificate;
        var flags = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            flags |= status.Status;
        }

        if ((flags & X509ChainStatusFlags.PartialChain) != X509ChainStatusFlags.NoError)
        {
            findings.Add(Error(caPath is null ? CertificateFindingKind.MissingIntermediate : CertificateFindingKind.ChainNotToCa,
                $"{CertificateRole} '{path}': the chain does not lead to {trustName}: no certificate for issuer '{top.Issuer}' of '{top.Subject}' in the certificate file or {trustName} (if it is an intermediate of that CA, add it to the certificate file after the leaf)"));
        }
        else if ((flags & X509ChainStatusFlags.UntrustedRoot) != X509ChainStatusFlags.NoError)
        {
            findings.Add(Error(CertificateFindingKind.ChainNotToCa,
                $"{CertificateRole} '{path}': the chain ends at '{top.Subject}', which is not in {trustName}"));
        }
        else
        {
            findings.Add(Error(CertificateFindingKind.ChainNotToCa,
                $"{CertificateRole} '{path}': the chain to {trustName} is invalid: {Validation.CertificateFailureReason.DescribeChain(leaf, chain)}"));
        }
    }

    private static void ReportIntermediatesNotInFile(string path, X509Certificate2Collection certificates, X509Chain chain, string trustName, List<CertificateFinding> findings)
    {
        var elements = chain.ChainElements;

        // Element 0 is the leaf and the last one the trust anchor; everything between must be
        // sent by us, so it must be in the certificate file.
        for (var i = 1; i < elements.Count - 1; i++)
        {
            var intermediate = elements[i].Certificate;
            if (!Contains(certificates, intermediate))
            {
                findings.Add(Error(CertificateFindingKind.MissingIntermediate,
                    $"{CertificateRole} '{path}': intermediate '{intermediate.Subject}' is missing; the chain reaches {trustName} only through it, and clients that trust only the root cannot build the chain (add it after the leaf)"));
            }
        }
    }

    private static bool Contains(X509Certificate2Collection certificates, X509Certificate2 certificate)
    {
        foreach (var candidate in certificates)
        {
            if (candidate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                return true;
            }
        }

        return false;
    }

    private static CertificateFinding Error(CertificateFindingKind kind, string message) =>
        new(kind, CertificateFindingSeverity.Error, message);
}
