namespace FastProxy.Core.Upstream;

/// <summary>The per-cluster limit that refused a request (a label of the rejection counter).</summary>
public enum CircuitBreakerLimit : byte
{
    /// <summary>Connections open to all endpoints of the cluster together.</summary>
    MaxConnections,

    /// <summary>Requests waiting for a connection to any endpoint of the cluster.</summary>
    MaxPendingRequests,
}
