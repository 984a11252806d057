using System.Runtime.InteropServices;

namespace FastProxy.Http.Http2;

/// <summary>
/// A protocol violation found in a frame, with the scope RFC 9113 §5.4 gives it: a stream error resets one stream
/// (RST_STREAM) and the connection goes on; a connection error sends GOAWAY and closes.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct Http2FrameError
{
    private Http2FrameError(Http2ErrorCode code, int streamId, bool isConnectionError, string reason)
    {
        Code = code;
        StreamId = streamId;
        IsConnectionError = isConnectionError;
        Reason = reason;
    }

    public Http2ErrorCode Code { get; }

    /// <summary>The stream to reset for a stream error; for a connection error, the stream of the offending frame.</summary>
    public int StreamId { get; }

    public bool IsConnectionError { get; }

    /// <summary>A constant text for logs and GOAWAY debug data (never built per error, so reporting allocates nothing).</summary>
    public string Reason { get; }

    public static Http2FrameError Connection(Http2ErrorCode code, int streamId, string reason) => new(code, streamId, true, reason);

    public static Http2FrameError Stream(Http2ErrorCode code, int streamId, string reason) => new(code, streamId, false, reason);

    public override string ToString() => $"{(IsConnectionError ? "connection" : "stream")} error {Code} on stream {StreamId}: {Reason}";
}
