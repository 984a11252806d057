namespace FastProxy.Core.Transport;

/// <summary>The peer reset the connection (RST), or the socket failed while receiving/sending.</summary>
public sealed class ConnectionResetException : IOException
{
    public ConnectionResetException()
    {
    }

    public ConnectionResetException(string message)
        : base(message)
    {
    }

    public ConnectionResetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
