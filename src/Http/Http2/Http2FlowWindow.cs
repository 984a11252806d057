using System.Runtime.InteropServices;

namespace FastProxy.Http.Http2;

/// <summary>
/// One flow-control window (RFC 9113 §5.2, §6.9): the connection's or a stream's, in either direction. The value may
/// go negative after the peer lowers SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2) and may never exceed 2^31-1 (§6.9.1).
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct Http2FlowWindow
{
    public Http2FlowWindow(int initial)
    {
        Available = initial;
    }

    /// <summary>Bytes that may still be sent (or received) before a WINDOW_UPDATE; negative after a settings change.</summary>
    public int Available { get; private set; }

    /// <summary>
    /// Takes <paramref name="length"/> bytes out of the window. For a receive window, false means the peer sent more
    /// than we allowed: a FLOW_CONTROL_ERROR (RFC 9113 §6.9.1: "A receiver MAY respond with a stream error or
    /// connection error of type FLOW_CONTROL_ERROR if it is unable to accept a frame").
    /// </summary>
    public bool TryConsume(int length)
    {
        if (length > Available)
        {
            return false;
        }

        Available -= length;
        return true;
    }

    /// <summary>
    /// Applies a WINDOW_UPDATE. False when the window would pass 2^31-1 (RFC 9113 §6.9.1: "the sender MUST terminate
    /// either the stream or the connection, as appropriate ... FLOW_CONTROL_ERROR").
    /// </summary>
    public bool TryGrow(int increment)
    {
        var grown = (long)Available + increment;
        if (grown > Http2Settings.MaxWindowSize)
        {
            return false;
        }

        Available = (int)grown;
        return true;
    }

    /// <summary>
    /// Shifts a stream's send window by the change in SETTINGS_INITIAL_WINDOW_SIZE (RFC 9113 §6.9.2). False when that
    /// makes it pass 2^31-1, which "MUST" be a connection error of type FLOW_CONTROL_ERROR.
    /// </summary>
    public bool TryAdjust(int delta)
    {
        var adjusted = (long)Available + delta;
        if (adjusted > Http2Settings.MaxWindowSize)
        {
            return false;
        }

        Available = (int)adjusted;
        return true;
    }
}
