using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Logging;
using FastProxy.Core.Upstream;

namespace FastProxy.Core.Transport;

/// <summary>Client side: opening a connection to an upstream.</summary>
public sealed partial class SocketConnection
{
    /// <summary>
    /// Connects to <paramref name="endpoint"/> within <paramref name="connectTimeout"/>.
    /// Throws <see cref="UpstreamConnectException"/> on failure (<see cref="UpstreamConnectException.IsTimeout"/>
    /// tells a timeout from refused/unreachable) and <see cref="OperationCanceledException"/> when <paramref name="ct"/> fires.
    /// </summary>
    public static async ValueTask<SocketConnection> ConnectAsync(EndPoint endpoint, TimeSpan connectTimeout, SocketConnectionOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);

        // A DnsEndPoint has no family yet: a dual-mode IPv6 socket reaches both v4 and v6 addresses.
        var socket = endpoint.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            ? new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);

        using var timeout = new CancellationTokenSource(connectTimeout, options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await socket.ConnectAsync(endpoint, linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            TransportLog.ConnectFailed(options.Logger, endpoint, "timeout");
            throw new UpstreamConnectException(endpoint, isTimeout: true, $"Connecting to {endpoint} timed out after {connectTimeout.TotalMilliseconds} ms.");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            TransportLog.ConnectFailed(options.Logger, endpoint, ex.SocketErrorCode.ToString());
            throw new UpstreamConnectException(endpoint, isTimeout: ex.SocketErrorCode == SocketError.TimedOut, $"Connecting to {endpoint} failed: {ex.SocketErrorCode}.", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        // Client side: closing an upstream connection needs no lingering (we send nothing the peer must still read).
        return Create(socket, options, lingerOnClose: false);
    }
}
