namespace FastProxy.Core.Transport;

/// <summary>This side aborted the connection (<see cref="TransportConnection.Abort"/>); pending reads end with it.</summary>
public sealed class ConnectionAbortedException : IOException
{
    public ConnectionAbortedException()
        : base("The connection was aborted.")
    {
    }

    public ConnectionAbortedException(string message)
        : base(message)
    {
    }

    public ConnectionAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
