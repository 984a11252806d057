using System.Net;

namespace FastProxy.Core.Transport.ProxyProtocol;

/// <summary>What a PROXY protocol header said: the client and the address it connected to, or nothing (LOCAL / UNKNOWN).</summary>
public readonly struct ProxyProtocolHeader
{
    public ProxyProtocolHeader(int version, IPEndPoint? source, IPEndPoint? destination)
    {
        Version = version;
        Source = source;
        Destination = destination;
    }

    /// <summary>1 (text) or 2 (binary).</summary>
    public int Version { get; }

    /// <summary>The client the load balancer accepted; null for v2 LOCAL (the balancer's own health check), v1 UNKNOWN or a family we keep the real address for.</summary>
    public IPEndPoint? Source { get; }

    /// <summary>The address the client connected to on the load balancer; null when <see cref="Source"/> is.</summary>
    public IPEndPoint? Destination { get; }

    /// <summary>True when the header names no client: the connection's own peer address stays in use.</summary>
    public bool IsLocal => Source is null;
}
