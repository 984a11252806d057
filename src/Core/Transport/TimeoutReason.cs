namespace FastProxy.Core.Transport;

/// <summary>Why a connection deadline was set; reported back through <see cref="TransportConnection.TimedOutReason"/>.</summary>
public enum TimeoutReason : byte
{
    None = 0,

    /// <summary>The request head did not arrive in time (answer 408).</summary>
    RequestHeaders,

    /// <summary>No next request on an idle keep-alive connection (close quietly).</summary>
    KeepAliveIdle,

    /// <summary>The request body stalled.</summary>
    RequestBody,

    /// <summary>The upstream did not answer in time (answer 504).</summary>
    UpstreamResponse,

    /// <summary>The listener is shutting down: an idle keep-alive connection was told to close now.</summary>
    Drain,

    /// <summary>A TLS handshake (or the ClientHello before it) did not complete in time (close, counted).</summary>
    TlsHandshake,

    /// <summary>A PROXY protocol header did not arrive whole in time (close, counted).</summary>
    ProxyProtocolHeader,
}
