namespace FastProxy.Host.Proxy;

#pragma warning disable CA1051 // public fields on purpose: Interlocked needs a ref to the field

/// <summary>Process-level counters of the host (read with Volatile/Interlocked by the metrics exporter).</summary>
public sealed class HostCounters
{
    public long ReloadsSucceeded;
    public long ReloadsFailed;
}
