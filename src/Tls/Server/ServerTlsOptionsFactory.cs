using System.Net.Security;
using System.Security.Authentication;
using FastProxy.Tls.Certificates;
using Microsoft.Extensions.Logging;

namespace FastProxy.Tls.Server;

/// <summary>
/// A listener's TLS, built once from its certificates and settings: hands SslStream the options
/// for each handshake through <see cref="SelectionCallback"/>, picking them by SNI. Immutable;
/// a reload builds a new factory and swaps it whole (<see cref="ReloadableServerTls"/>).
/// </summary>
/// <remarks>
/// Why ServerOptionsSelectionCallback and not ServerCertificateSelectionCallback: the latter can
/// only return an X509Certificate, from which SslStream would build a certificate context (a chain
/// build) on every handshake. The options callback returns a whole
/// <see cref="SslServerAuthenticationOptions"/> carrying the prebuilt
/// <see cref="SslStreamCertificateContext"/>; one options object per certificate is built here and
/// returned for every handshake (SslStream copies what it needs out of it and never mutates it),
/// so selection allocates nothing: a dictionary lookup and a completed ValueTask.
/// </remarks>
public sealed class ServerTlsOptionsFactory
{
    private readonly SslServerAuthenticationOptions[] _optionsByCertificate;

    private ServerTlsOptionsFactory(ServerCertificateSelector certificates, ServerTlsSettings settings, SslServerAuthenticationOptions[] optionsByCertificate)
    {
        Certificates = certificates;
        Settings = settings;
        _optionsByCertificate = optionsByCertificate;
    }

    /// <summary>
    /// Pass to <c>SslStream.AuthenticateAsServerAsync(SelectionCallback, factory, token)</c>
    /// with the factory as state. Static so that no closure is allocated per handshake.
    /// </summary>
    public static ServerOptionsSelectionCallback SelectionCallback { get; } =
        static (_, clientHello, state, _) => ValueTask.FromResult(((ServerTlsOptionsFactory)state!).GetOptions(clientHello.ServerName));

    public ServerCertificateSelector Certificates { get; }

    public ServerTlsSettings Settings { get; }

    /// <summary>
    /// Loads the certificates and builds the per-certificate handshake options. Throws
    /// <see cref="CertificateLoadException"/> with a precise message when anything is unusable.
    /// </summary>
    public static ServerTlsOptionsFactory Create(
        ServerCertificateFiles defaultCertificate,
        IReadOnlyList<ServerCertificateFiles> sniCertificates,
        ServerTlsSettings settings,
        ILogger logger,
        TimeProvider time)
    {
        SslCertificateTrust? clientTrust = null;
        if (settings.ClientCertificateMode != ClientCertificateMode.None)
        {
            if (settings.ClientCertificateAuthorities is not { Count: > 0 } authorities)
            {
                throw new CertificateLoadException(
                    $"client_certificate is '{settings.ClientCertificateMode.ToString().ToLowerInvariant()}' but no client CA bundle is configured");
            }

            // Custom root trust: only these CAs, never the system store. sendTrustInHandshake
            // lists them in the CertificateRequest so clients choose a matching certificate.
            clientTrust = SslCertificateTrust.CreateForX509Collection(authorities, sendTrustInHandshake: true);
        }

        var selector = ServerCertificateSelector.Load(defaultCertificate, sniCertificates, clientTrust, time);
        var validator = settings.ClientCertificateMode == ClientCertificateMode.None
            ? null
            : new ClientCertificateValidator(settings.ClientCertificateMode, logger, time);
        var cipherSuites = TlsCipherSuites.CreatePolicy(settings.CipherPolicy);
        List<SslApplicationProtocol>? alpn = settings.ApplicationProtocols.Count == 0 ? null : [.. settings.ApplicationProtocols];

        var options = new SslServerAuthenticationOptions[selector.Certificates.Count];
        for (var i = 0; i < options.Length; i++)
        {
            options[i] = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = selector.Certificates[i].Context,

                // TLS 1.2 and 1.3 only: 1.0/1.1 are deprecated by RFC 8996.
#pragma warning disable CA5398 // deliberate protocol pin, see comment above
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
#pragma warning restore CA5398
                ApplicationProtocols = alpn,
                CipherSuitesPolicy = cipherSuites,
                ClientCertificateRequired = validator is not null,
                CertificateRevocationCheckMode = settings.RevocationMode,
                RemoteCertificateValidationCallback = validator?.Callback,
                AllowRenegotiation = false,
            };
        }

        return new ServerTlsOptionsFactory(selector, settings, options);
    }

    /// <summary>The options for a handshake whose ClientHello named <paramref name="serverName"/>.</summary>
    public SslServerAuthenticationOptions GetOptions(string? serverName) =>
        _optionsByCertificate[Certificates.Select(serverName).Index];
}
