namespace FastProxy.Tls.Client;

#pragma warning disable CA1051 // public fields on purpose: Interlocked needs a ref to the field

/// <summary>
/// Handshake outcomes of every TLS upstream connection of the process (read by the metrics exporter with
/// Volatile.Read). One instance per process, shared across reloads and clusters.
/// </summary>
public sealed class UpstreamTlsCounters
{
    public long Completed;

    /// <summary>The upstream's certificate was refused (unknown CA, name mismatch, expired, ...).</summary>
    public long CertificateRejected;

    /// <summary>Any other failure: protocol or version mismatch, not TLS, reset during the handshake.</summary>
    public long HandshakeFailed;

    public long HandshakeTimeout;
}
