using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Logging;
using FastProxy.Tls.Validation;
using Microsoft.Extensions.Logging;

namespace FastProxy.Tls.Server;

/// <summary>
/// Decides whether a client certificate passes, from what SslStream built: the chain is built by
/// SslStream against the listener's client CAs only (custom root trust from the certificate
/// context's <see cref="SslCertificateTrust"/>) with the configured revocation mode. This adds
/// the mode (optional admits no certificate) and the extended key usage, and logs a precise
/// reason for every refusal.
/// </summary>
internal sealed class ClientCertificateValidator
{
    private const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    private readonly ClientCertificateMode _mode;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public ClientCertificateValidator(ClientCertificateMode mode, ILogger logger, TimeProvider time)
    {
        _mode = mode;
        _logger = logger;
        _time = time;
        Callback = Validate;
    }

    /// <summary>Cached so that options built once can share it.</summary>
    public RemoteCertificateValidationCallback Callback { get; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var reason = Check(certificate, chain, errors);
        if (reason is null)
        {
            return true;
        }

        TlsLog.ClientCertificateRejected(_logger, reason);
        return false;
    }

    /// <summary>Null when the certificate (or its absence) is acceptable, else why not.</summary>
    public string? Check(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != SslPolicyErrors.None)
        {
            return _mode == ClientCertificateMode.Required ? "no client certificate presented (client_certificate: required)" : null;
        }

        // A client does not claim a host name, so a name mismatch means nothing here.
        var chainErrors = errors & ~SslPolicyErrors.RemoteCertificateNameMismatch;
        if (chainErrors != SslPolicyErrors.None)
        {
            return CertificateFailureReason.Describe(certificate, chain, chainErrors, expectedHost: null, _time);
        }

        return certificate is X509Certificate2 certificate2 && !AllowsClientAuthentication(certificate2)
            ? $"certificate '{certificate.Subject}' is not valid for client authentication (extended key usage lacks clientAuth)"
            : null;
    }

    // RFC 5280 §4.2.1.12: without the extension any use is allowed; with it, clientAuth must be listed.
    private static bool AllowsClientAuthentication(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509EnhancedKeyUsageExtension usage)
            {
                foreach (var oid in usage.EnhancedKeyUsages)
                {
                    if (string.Equals(oid.Value, ClientAuthenticationOid, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        return true;
    }
}
