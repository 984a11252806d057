using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace FastProxy.Tls.Validation;

/// <summary>
/// Turns what SslStream reports about a peer certificate (policy errors plus the built chain)
/// into one sentence an operator can act on: which certificate, and what is wrong with it.
/// Runs only when a handshake is being refused, so it may allocate.
/// </summary>
public static class CertificateFailureReason
{
    /// <summary>The reason for <paramref name="errors"/>, or null when there is none.</summary>
    /// <param name="certificate">The peer's certificate, if it sent one.</param>
    /// <param name="chain">The chain SslStream built for it.</param>
    /// <param name="errors">What SslStream found.</param>
    /// <param name="expectedHost">The host name checked, for a name-mismatch message (upstream side); null on the server side.</param>
    /// <param name="time">The clock, to tell expired from not yet valid.</param>
    public static string? Describe(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string? expectedHost = null, TimeProvider? time = null)
    {
        if (errors == SslPolicyErrors.None)
        {
            return null;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != SslPolicyErrors.None)
        {
            return "no certificate presented";
        }

        var parts = new List<string>(2);
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            parts.Add(DescribeChain(certificate, chain, time));
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
        {
            parts.Add(expectedHost is null
                ? $"name mismatch: certificate '{certificate?.Subject}'"
                : $"name mismatch: certificate '{certificate?.Subject}' is not valid for '{expectedHost}'");
        }

        return string.Join("; ", parts);
    }

    /// <summary>Describes the first problem in <paramref name="chain"/>, walking from the leaf to the root.</summary>
    public static string DescribeChain(X509Certificate? certificate, X509Chain? chain, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (chain is null || chain.ChainElements.Count == 0)
        {
            return $"certificate '{certificate?.Subject}' could not be validated";
        }

        var elements = chain.ChainElements;
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            var flags = X509ChainStatusFlags.NoError;
            foreach (var status in element.ChainElementStatus)
            {
                flags |= status.Status;
            }

            if (flags != X509ChainStatusFlags.NoError)
            {
                var isTop = i == elements.Count - 1;
                return DescribeElement(element.Certificate, flags, isTop, now);
            }
        }

        // Chain-wide status without a per-element flag (rare: e.g. policy constraints).
        var chainFlags = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            chainFlags |= status.Status;
        }

        return DescribeElement(elements[^1].Certificate, chainFlags, isTop: true, now);
    }

    private static string DescribeElement(X509Certificate2 certificate, X509ChainStatusFlags flags, bool isTop, DateTimeOffset now)
    {
        var subject = certificate.Subject;
        if ((flags & X509ChainStatusFlags.NotTimeValid) != X509ChainStatusFlags.NoError)
        {
            // The flag does not say which bound was crossed; the certificate's dates do.
            var notBefore = certificate.NotBefore.ToUniversalTime();
            return notBefore > now.UtcDateTime
                ? string.Create(CultureInfo.InvariantCulture, $"certificate not yet valid: '{subject}' is valid from {notBefore:yyyy-MM-dd HH:mm:ss}Z")
                : string.Create(CultureInfo.InvariantCulture, $"certificate expired: '{subject}' expired at {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z");
        }

        if ((flags & X509ChainStatusFlags.Revoked) != X509ChainStatusFlags.NoError)
        {
            return $"certificate revoked: '{subject}'";
        }

        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != X509ChainStatusFlags.NoError)
        {
            return isTop && (flags & X509ChainStatusFlags.UntrustedRoot) != X509ChainStatusFlags.NoError
                ? $"unknown CA: the chain ends at '{subject}', which is not a trusted CA"
                : $"unknown CA: no trusted issuer '{certificate.Issuer}' found for '{subject}'";
        }

        if ((flags & X509ChainStatusFlags.NotSignatureValid) != X509ChainStatusFlags.NoError)
        {
            return $"bad signature on certificate '{subject}'";
        }

        if ((flags & (X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation)) != X509ChainStatusFlags.NoError)
        {
            return $"revocation status of '{subject}' unknown";
        }

        if ((flags & X509ChainStatusFlags.NotValidForUsage) != X509ChainStatusFlags.NoError)
        {
            return $"certificate '{subject}' is not valid for this use (its extended key usage does not allow it)";
        }

        if ((flags & X509ChainStatusFlags.InvalidBasicConstraints) != X509ChainStatusFlags.NoError)
        {
            return $"certificate '{subject}' issues certificates but is not a CA (basic constraints)";
        }

        return $"certificate '{subject}' rejected: {FlagNames(flags)}";
    }

    private static string FlagNames(X509ChainStatusFlags flags)
    {
        var builder = new StringBuilder();
        foreach (var value in Enum.GetValues<X509ChainStatusFlags>())
        {
            if (value != X509ChainStatusFlags.NoError && (flags & value) != X509ChainStatusFlags.NoError)
            {
                if (builder.Length > 0)
                {
                    builder.Append(", ");
                }

                builder.Append(value);
            }
        }

        return builder.ToString();
    }
}
