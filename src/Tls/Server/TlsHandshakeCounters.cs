namespace FastProxy.Tls.Server;

#pragma warning disable CA1051 // public fields on purpose: Interlocked needs a ref to the field

/// <summary>
/// Handshake outcomes of every TLS listener of the process (read by the metrics exporter with
/// Volatile.Read). One instance per process, shared across reloads.
/// </summary>
public sealed class TlsHandshakeCounters
{
    public long Completed;
    public long PlaintextHttp;
    public long NotTls;
    public long HandshakeFailed;
    public long HandshakeTimeout;
    public long CertificateReloadsFailed;

    public void Count(TlsRejection rejection)
    {
        switch (rejection)
        {
            case TlsRejection.PlaintextHttp:
                Interlocked.Increment(ref PlaintextHttp);
                break;
            case TlsRejection.NotTls:
                Interlocked.Increment(ref NotTls);
                break;
            case TlsRejection.HandshakeFailed:
                Interlocked.Increment(ref HandshakeFailed);
                break;
            default:
                Interlocked.Increment(ref HandshakeTimeout);
                break;
        }
    }
}
