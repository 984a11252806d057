namespace FastProxy.Host.Metrics;

/// <summary>The Prometheus metric types FastProxy exposes.</summary>
internal enum MetricType : byte
{
    Counter,
    Gauge,
    Histogram,
}
