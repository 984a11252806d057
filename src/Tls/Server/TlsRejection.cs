namespace FastProxy.Tls.Server;

/// <summary>Why a connection to a TLS listener was closed before any request: the <c>reason</c> label of the metric.</summary>
public enum TlsRejection
{
    /// <summary>The first bytes were a plain-text HTTP request (an <c>http://</c> URL aimed at a TLS port).</summary>
    PlaintextHttp,

    /// <summary>The first byte was neither a TLS handshake record nor HTTP: garbage, another protocol.</summary>
    NotTls,

    /// <summary>The handshake failed: no shared protocol or cipher, a refused client certificate, a malformed message, a reset.</summary>
    HandshakeFailed,

    /// <summary>The ClientHello or the rest of the handshake did not arrive within the handshake timeout.</summary>
    HandshakeTimeout,
}
