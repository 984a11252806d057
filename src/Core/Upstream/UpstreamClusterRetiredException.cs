namespace FastProxy.Core.Upstream;

/// <summary>
/// The request still held a cluster that a reload has since retired (it outlived the retirement grace, e.g. waiting
/// for keys or a connection): it is answered 503, never dropped without an answer, and the next request uses the new
/// configuration's cluster.
/// </summary>
public sealed class UpstreamClusterRetiredException : UpstreamOverloadedException
{
    public UpstreamClusterRetiredException()
        : base("The upstream cluster was retired by a configuration reload.")
    {
    }

    public UpstreamClusterRetiredException(string message)
        : base(message)
    {
    }

    public UpstreamClusterRetiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
