namespace FastProxy.Core.Upstream;

/// <summary>
/// Every connection to an endpoint is busy and <see cref="UpstreamPoolOptions.MaxPendingRequestsPerEndpoint"/>
/// requests already wait for one: this one fails at once instead of queueing without bound (503).
/// </summary>
public sealed class UpstreamQueueFullException : UpstreamOverloadedException
{
    public UpstreamQueueFullException()
        : base("Too many requests are waiting for an upstream connection.")
    {
    }

    public UpstreamQueueFullException(string message)
        : base(message)
    {
    }

    public UpstreamQueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
