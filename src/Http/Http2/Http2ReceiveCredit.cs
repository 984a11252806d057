using System.Runtime.InteropServices;

namespace FastProxy.Http.Http2;

/// <summary>
/// Decides when to grant the peer more receive window. Data is credited back only as the request handler consumes it
/// (so a slow upstream holds back the client and nothing is buffered without bound, RFC 9113 §5.2.2), and in batches
/// of at least half the window, so a stream of small DATA frames does not become a stream of WINDOW_UPDATEs.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct Http2ReceiveCredit
{
    private readonly int _windowSize;
    private int _pending;

    public Http2ReceiveCredit(int windowSize)
    {
        _windowSize = windowSize;
    }

    /// <summary>Records <paramref name="bytes"/> consumed; returns the WINDOW_UPDATE increment to send now, or 0.</summary>
    public int OnConsumed(int bytes)
    {
        _pending += bytes;

        // Half the window: an empirically common threshold (Kestrel and nghttp2 use the same), it keeps the sender
        // from stalling while halving the updates against crediting every frame.
        if (_pending < _windowSize / 2)
        {
            return 0;
        }

        var increment = _pending;
        _pending = 0;
        return increment;
    }
}
