namespace FastProxy.Tls.Server;

/// <summary>Which cipher suites a listener offers (see <see cref="TlsCipherSuites"/>).</summary>
public enum TlsCipherPolicy
{
    /// <summary>AEAD suites with forward secrecy only (<see cref="TlsCipherSuites.AeadForwardSecrecy"/>).</summary>
    AeadForwardSecrecy,

    /// <summary>
    /// OpenSSL's (system) default list. Faster on .NET 10 / Linux because SslStream then caches
    /// its SSL_CTX and resumes sessions; see <see cref="TlsCipherSuites"/> for the trade-off.
    /// </summary>
    SystemDefault,
}
