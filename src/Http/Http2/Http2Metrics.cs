using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Http2;

/// <summary>Process-wide HTTP/2 figures for the metrics endpoint.</summary>
public static class Http2Metrics
{
    /// <summary>HTTP/2 streams open now, on every connection of every listener.</summary>
    public static long ActiveStreams => Http2StreamPool.Active;
}
