using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Logging;
using FastProxy.Core.Transport.Epoll;
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
            if (options.Epoll is not null)
            {
                socket = await ConnectWithEpollAsync(socket, endpoint, options.Epoll, linked.Token);
            }
            else
            {
                await socket.ConnectAsync(endpoint, linked.Token);
            }
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

    /// <summary>
    /// A non-blocking connect whose completion is awaited on our epoll loop. .NET's ConnectAsync would put
    /// the socket into .NET's own epoll set for good, and every later response would wake that engine's
    /// thread too. A host name is resolved first and its addresses tried in order.
    /// </summary>
    private static async ValueTask<Socket> ConnectWithEpollAsync(Socket socket, EndPoint endpoint, EpollEngine engine, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (endpoint is IPEndPoint ip)
        {
            await ConnectOneAsync(socket, ip, engine, ct);
            return socket;
        }

        var dns = (DnsEndPoint)endpoint;
        var addresses = await Dns.GetHostAddressesAsync(dns.Host, dns.AddressFamily, ct);
        SocketException? last = null;
        var attempt = socket;
        foreach (var address in addresses)
        {
            // The first attempt uses the dual-mode socket the caller made; a failed connect leaves a socket unusable.
            attempt ??= new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await ConnectOneAsync(attempt, new IPEndPoint(address, dns.Port), engine, ct);
                return attempt;
            }
            catch (SocketException ex)
            {
                last = ex;
            }

            attempt.Dispose();
            attempt = null;
        }

        attempt?.Dispose();
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static async ValueTask ConnectOneAsync(Socket socket, IPEndPoint endpoint, EpollEngine engine, CancellationToken ct)
    {
        if (socket.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.AddressFamily == AddressFamily.InterNetwork)
        {
            socket.DualMode = true;
        }

        socket.Blocking = false;
        try
        {
            // Non-blocking by design: WouldBlock/InProgress is the expected answer, completion comes from epoll.
#pragma warning disable MA0042
            socket.Connect(endpoint);
#pragma warning restore MA0042
            return;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // In progress: writable (or failed) when done.
        }

        await engine.WaitConnectedAsync(socket, ct);
        var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        if (error != SocketError.Success)
        {
            throw new SocketException((int)error);
        }
    }
}
