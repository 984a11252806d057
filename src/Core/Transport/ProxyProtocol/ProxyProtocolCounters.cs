namespace FastProxy.Core.Transport.ProxyProtocol;

#pragma warning disable CA1051 // public fields on purpose: Interlocked needs a ref to the field

/// <summary>
/// Outcomes of PROXY protocol headers on every listener that expects them (read by the metrics exporter with
/// Volatile.Read). One instance per process.
/// </summary>
public sealed class ProxyProtocolCounters
{
    /// <summary>Headers that named a client (its address is what the gate and the audit trail see).</summary>
    public long Accepted;

    /// <summary>Headers that named none (v2 LOCAL, v1 UNKNOWN: a balancer's health check); the peer's own address stays.</summary>
    public long Local;

    /// <summary>Connections from a peer outside the trusted list (closed before a byte was read).</summary>
    public long Untrusted;

    /// <summary>Connections whose first bytes were not a valid header (closed).</summary>
    public long Invalid;

    /// <summary>Connections whose header did not arrive whole in time (closed).</summary>
    public long TimedOut;
}
