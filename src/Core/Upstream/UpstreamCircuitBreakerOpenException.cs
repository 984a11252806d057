namespace FastProxy.Core.Upstream;

/// <summary>A per-cluster limit (<see cref="UpstreamCircuitBreaker"/>) refused the request at once (503).</summary>
public sealed class UpstreamCircuitBreakerOpenException : UpstreamOverloadedException
{
    public UpstreamCircuitBreakerOpenException()
        : base("The upstream cluster's circuit breaker is open.")
    {
    }

    public UpstreamCircuitBreakerOpenException(string message)
        : base(message)
    {
    }

    public UpstreamCircuitBreakerOpenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
