namespace FastProxy.Core.Upstream;

/// <summary>Every connection to an endpoint stayed busy for the whole connect timeout (503).</summary>
public sealed class UpstreamPoolExhaustedException : UpstreamOverloadedException
{
    public UpstreamPoolExhaustedException()
        : base("The upstream connection pool is exhausted.")
    {
    }

    public UpstreamPoolExhaustedException(string message)
        : base(message)
    {
    }

    public UpstreamPoolExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
