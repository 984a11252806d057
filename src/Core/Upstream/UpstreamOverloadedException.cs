namespace FastProxy.Core.Upstream;

/// <summary>
/// No connection could be lent because a limit of the endpoint's pool or of the cluster was reached (not
/// because the upstream failed): the request is answered 503 and the endpoint's health is not touched.
/// </summary>
public abstract class UpstreamOverloadedException : Exception
{
    protected UpstreamOverloadedException()
    {
    }

    protected UpstreamOverloadedException(string message)
        : base(message)
    {
    }

    protected UpstreamOverloadedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
