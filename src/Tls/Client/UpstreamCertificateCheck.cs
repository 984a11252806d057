namespace FastProxy.Tls.Client;

/// <summary>
/// The outcome of one upstream handshake's certificate validation, for the connector to log with
/// its 502 when the handshake fails: SslStream's exception only says "the remote certificate was
/// rejected by the provided RemoteCertificateValidationCallback".
/// </summary>
public sealed class UpstreamCertificateCheck
{
    /// <summary>Why the certificate was refused (unknown CA, name mismatch, expired, ...), or null.</summary>
    public string? FailureReason { get; internal set; }
}
