namespace FastProxy.Core.Upstream;

/// <summary>What a cluster's connections speak: the cluster's `protocol` (h2c and h2 differ only in the connector: plain TCP, or TLS with ALPN h2).</summary>
public enum UpstreamProtocol
{
    /// <summary>HTTP/1.1 keep-alive: one request per connection at a time (<see cref="Http1ConnectionPool"/>).</summary>
    Http1,

    /// <summary>HTTP/2 (RFC 9113): requests are streams multiplexed on a few connections per endpoint (<see cref="IMultiplexedUpstreamPool"/>).</summary>
    Http2,
}
