using FastProxy.Core.Transport;

namespace FastProxy.Core.Upstream;

/// <summary>A connection borrowed from an <see cref="UpstreamEndpoint"/>; give it back with <see cref="UpstreamEndpoint.Release"/> exactly once.</summary>
public readonly struct UpstreamLease
{
    public UpstreamLease(TransportConnection connection, bool isReused, UpstreamEndpoint endpoint)
    {
        Connection = connection;
        IsReused = isReused;
        Endpoint = endpoint;
    }

    public TransportConnection Connection { get; }

    /// <summary>True when the connection came from the idle pool (it may have been closed by the upstream meanwhile: a failure on it is retryable).</summary>
    public bool IsReused { get; }

    public UpstreamEndpoint Endpoint { get; }
}
