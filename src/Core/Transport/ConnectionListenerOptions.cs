using System.Net;

namespace FastProxy.Core.Transport;

/// <summary>What a <see cref="ConnectionListener"/> binds and how many connections it serves at once.</summary>
public sealed class ConnectionListenerOptions
{
    /// <summary>Addresses to listen on (IPv4 and IPv6; port 0 picks a free port, see <see cref="ConnectionListener.BoundEndPoints"/>).</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; init; } = [];

    /// <summary>Connections served at once; beyond it the listener stops accepting and new ones wait in the kernel backlog.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>Kernel accept queue length (capped by net.core.somaxconn); 512 as nginx's default on Linux.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>
    /// Facts for each endpoint (name, index, scheme), in <see cref="Endpoints"/> order; every connection accepted on an
    /// endpoint carries its entry (<see cref="TransportConnection.Listener"/>). Null: named after the address, scheme http.
    /// </summary>
    public IReadOnlyList<ListenerInfo>? Listeners { get; init; }

    public SocketConnectionOptions ConnectionOptions { get; init; } = new();
}
