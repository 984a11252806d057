using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Logging;
using FastProxy.Tls.Validation;
using Microsoft.Extensions.Logging;

namespace FastProxy.Tls.Client;

/// <summary>
/// Builds the <see cref="SslClientAuthenticationOptions"/> for a connection to one upstream
/// endpoint of a cluster. What does not depend on the endpoint (client certificate context,
/// ALPN list) is built once; the options themselves are built per connect, which pooling makes
/// rare, because they carry the endpoint's host and a per-connect validation result.
/// </summary>
public sealed class UpstreamTlsOptionsFactory
{
    private readonly UpstreamTlsSettings _settings;
    private readonly SslStreamCertificateContext? _clientCertificate;
    private readonly List<SslApplicationProtocol>? _applicationProtocols;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public UpstreamTlsOptionsFactory(UpstreamTlsSettings settings, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
#pragma warning disable CA5398 // the only versions a setting may pick: TLS 1.2 and 1.3 (RFC 8996)
        if (settings.EnabledProtocols == SslProtocols.None || (settings.EnabledProtocols & ~(SslProtocols.Tls12 | SslProtocols.Tls13)) != SslProtocols.None)
#pragma warning restore CA5398
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.EnabledProtocols, "Upstream TLS offers TLS 1.2 and/or 1.3 only.");
        }

        _settings = settings;
        _logger = logger;
        _time = time;
        _applicationProtocols = settings.ApplicationProtocols.Count == 0 ? null : [.. settings.ApplicationProtocols];
        if (settings.ClientCertificate is { } chain)
        {
            // offline: the chain we present comes from our files, never from AIA downloads.
            _clientCertificate = SslStreamCertificateContext.Create(chain.Leaf, chain.Intermediates, offline: true);
        }
    }

    /// <summary>The protocol the upstream must select with ALPN, or null (see <see cref="UpstreamTlsSettings.RequiredApplicationProtocol"/>).</summary>
    public SslApplicationProtocol? RequiredApplicationProtocol => _settings.RequiredApplicationProtocol;

    /// <summary>The name sent as SNI and verified for <paramref name="endpointHost"/>: the configured one, else the host itself.</summary>
    public string ServerNameFor(string endpointHost) => _settings.ServerName ?? endpointHost;

    /// <summary>
    /// Options for a connection to <paramref name="endpointHost"/> (a DNS name or an IP literal).
    /// <paramref name="check"/> receives the reason if the upstream's certificate is refused.
    /// </summary>
    public SslClientAuthenticationOptions Create(string endpointHost, UpstreamCertificateCheck check)
    {
        var serverName = ServerNameFor(endpointHost);
        var policy = new X509ChainPolicy
        {
            RevocationMode = _settings.RevocationMode,
            RevocationFlag = X509RevocationFlag.ExcludeRoot,
        };
        if (_settings.CertificateAuthorities is { } authorities)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(authorities);
        }

        var verifyHostName = _settings.VerifyHostName;
        return new SslClientAuthenticationOptions
        {
            // SslStream sends TargetHost as SNI (not for IP literals, RFC 6066 §3) and checks the
            // certificate's names against it.
            TargetHost = serverName,
            EnabledSslProtocols = _settings.EnabledProtocols,
            ApplicationProtocols = _applicationProtocols,
            ClientCertificateContext = _clientCertificate,
            CertificateChainPolicy = policy,
            CertificateRevocationCheckMode = _settings.RevocationMode,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (!verifyHostName)
                {
                    errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
                }

                var reason = CertificateFailureReason.Describe(certificate, chain, errors, serverName, _time);
                if (reason is null)
                {
                    return true;
                }

                check.FailureReason = reason;
                TlsLog.UpstreamCertificateRejected(_logger, serverName, reason);
                return false;
            },
        };
    }
}
