using System.Net;

namespace FastProxy.Core.Transport;

/// <summary>What a <see cref="ConnectionListener"/> binds and how many connections it serves at once.</summary>
public sealed class ConnectionListenerOptions
{
    /// <summary>Addresses to listen on (IPv4 and IPv6; port 0 picks a free port, see <see cref="ConnectionListener.BoundEndPoints"/>).</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; init; } = [];

    /// <summary>Connections served at once; beyond it the listener stops accepting and new ones wait in the kernel backlog.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>
    /// Connections one client address may have open at once (0: no limit). One more is closed as soon as it is accepted
    /// (logged at most once a second, counted in <see cref="ConnectionListener.RefusedPerAddress"/>). The address counted
    /// is the transport peer's: behind a load balancer (PROXY protocol or not) every client shares its address, so leave
    /// it off there.
    /// </summary>
    public int MaxConnectionsPerAddress { get; init; }

    /// <summary>
    /// New connections accepted per second at most, over all endpoints (0: no limit). Beyond it the accept loops pause:
    /// the flood waits in the kernel backlog rather than costing the proxy a connection each.
    /// </summary>
    public int MaxAcceptsPerSecond { get; init; }

    /// <summary>Kernel accept queue length (capped by net.core.somaxconn); 512 as nginx's default on Linux.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>
    /// Facts for each endpoint (name, index, scheme), in <see cref="Endpoints"/> order; every connection accepted on an
    /// endpoint carries its entry (<see cref="TransportConnection.Listener"/>). Null: named after the address, scheme http.
    /// </summary>
    public IReadOnlyList<ListenerInfo>? Listeners { get; init; }

    public SocketConnectionOptions ConnectionOptions { get; init; } = new();
}
