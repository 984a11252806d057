using System.Net.Security;

namespace FastProxy.Tls.Server;

/// <summary>
/// The cipher policy. TLS 1.3 defines only AEAD suites with (EC)DHE key exchange, so all three
/// are offered. For TLS 1.2 only ECDHE key exchange (forward secrecy: a stolen server key does
/// not decrypt recorded traffic) with an AEAD cipher (AES-GCM or ChaCha20-Poly1305: no CBC
/// padding oracles, no SHA-1 MACs) is offered, for ECDSA and RSA certificates. This matches
/// Mozilla's "intermediate" profile without the finite-field DHE suites, which are slow and
/// whose parameters clients cannot check. Every client of the last decade supports one of them.
/// </summary>
/// <remarks>
/// Cost (.NET 10 on Linux, read in System.Net.Security's OpenSSL interop): when
/// <see cref="SslServerAuthenticationOptions.CipherSuitesPolicy"/> is set, SslStream neither
/// caches its SSL_CTX on the certificate context nor keeps a session cache, so every handshake
/// creates an SSL_CTX and no session is resumed. <see cref="TlsCipherPolicy.SystemDefault"/>
/// keeps the cache (and resumption) and leaves the suite list to OpenSSL's configuration
/// (openssl.cnf CipherString), which on current distributions still allows TLS 1.2 CBC and
/// RSA-key-exchange suites. Which one the default should be is to be decided with a handshake
/// rate measurement.
/// </remarks>
public static class TlsCipherSuites
{
    /// <summary>The suites of <see cref="TlsCipherPolicy.AeadForwardSecrecy"/>, in preference order.</summary>
    public static IReadOnlyList<TlsCipherSuite> AeadForwardSecrecy { get; } =
    [
        // TLS 1.3 (RFC 8446 §9.1: AES-128-GCM is mandatory; ChaCha20 helps clients without AES-NI)
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,

        // TLS 1.2: ECDHE + AEAD, ECDSA before RSA (a listener has one kind of key, OpenSSL skips the other)
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    /// <summary>The <see cref="CipherSuitesPolicy"/> for <paramref name="policy"/>, or null for the system default.</summary>
    public static CipherSuitesPolicy? CreatePolicy(TlsCipherPolicy policy) =>
        policy == TlsCipherPolicy.AeadForwardSecrecy && !OperatingSystem.IsWindows() ? new CipherSuitesPolicy(AeadForwardSecrecy) : null;
}
