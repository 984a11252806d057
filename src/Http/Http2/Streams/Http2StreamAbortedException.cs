namespace FastProxy.Http.Http2.Streams;

/// <summary>The stream ended before its request body did: reset by the client, cut by the connection, or a body that broke its content-length.</summary>
public sealed class Http2StreamAbortedException : IOException
{
    public Http2StreamAbortedException()
    {
    }

    public Http2StreamAbortedException(string message)
        : base(message)
    {
    }

    public Http2StreamAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public Http2StreamAbortedException(Http2ErrorCode code, string message)
        : base(message)
    {
        ErrorCode = code;
    }

    /// <summary>The error code the stream was reset with (NO_ERROR when unknown).</summary>
    public Http2ErrorCode ErrorCode { get; }
}
