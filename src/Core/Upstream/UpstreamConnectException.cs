using System.Net;

namespace FastProxy.Core.Upstream;

/// <summary>Opening a connection to an upstream failed: refused/unreachable (502) or timed out (504).</summary>
public sealed class UpstreamConnectException : Exception
{
    public UpstreamConnectException()
        : this("Connecting to the upstream failed.")
    {
    }

    public UpstreamConnectException(string message)
        : base(message)
    {
    }

    public UpstreamConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UpstreamConnectException(EndPoint endpoint, bool isTimeout, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
        IsTimeout = isTimeout;
    }

    /// <summary>True when the connect timeout passed (504); false when refused or unreachable (502).</summary>
    public bool IsTimeout { get; }

    public EndPoint? Endpoint { get; }
}
