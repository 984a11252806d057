using System.Net;
using FastProxy.Core.Transport;

namespace FastProxy.Core.Upstream;

/// <summary>
/// Opens connections to upstreams for an <see cref="UpstreamEndpoint"/>. <see cref="TcpUpstreamConnector"/> is plain
/// TCP; a TLS connector decorates it (connects through the inner one, handshakes, puts the decrypted pipe on top with
/// <see cref="TransportConnection.UsePipe"/>), so pooling and HTTP code never learn which one was used.
/// </summary>
public interface IUpstreamConnector
{
    /// <summary>
    /// Connects to <paramref name="endpoint"/> within <paramref name="connectTimeout"/>. Throws
    /// <see cref="UpstreamConnectException"/> on failure (<see cref="UpstreamConnectException.IsTimeout"/> tells a timeout
    /// from refused/unreachable) and <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    ValueTask<TransportConnection> ConnectAsync(EndPoint endpoint, TimeSpan connectTimeout, CancellationToken ct);
}
