namespace FastProxy.Host.Metrics;

public sealed partial class ProxyMetrics
{
    /// <summary>
    /// The process's own health, under the names Prometheus's client libraries use, so the dashboards and the soak that
    /// watch for leaks read them like any service's: resident memory, open descriptors, threads, GC collections and the
    /// managed heap. Read from the runtime and /proc on each scrape (a cold path).
    /// </summary>
    private static void WriteProcess(PrometheusTextWriter writer)
    {
        writer.Family("process_resident_memory_bytes", MetricType.Gauge, "Resident memory size in bytes.");
        writer.Sample("process_resident_memory_bytes", Environment.WorkingSet);

        if (CountEntries("/proc/self/fd") is { } descriptors)
        {
            writer.Family("process_open_fds", MetricType.Gauge, "Open file descriptors (sockets included).");
            writer.Sample("process_open_fds", descriptors);
        }

        if (CountEntries("/proc/self/task") is { } threads)
        {
            writer.Family("process_threads", MetricType.Gauge, "Operating system threads of the process.");
            writer.Sample("process_threads", threads);
        }

        writer.Family("dotnet_gc_collections_total", MetricType.Counter, "Garbage collections since the process started, by generation.");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            writer.Sample("dotnet_gc_collections_total", GC.CollectionCount(generation), ("generation", generation.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        writer.Family("dotnet_gc_heap_size_bytes", MetricType.Gauge, "Managed heap size after the last garbage collection.");
        writer.Sample("dotnet_gc_heap_size_bytes", GC.GetGCMemoryInfo().HeapSizeBytes);
        writer.Family("dotnet_gc_allocated_bytes_total", MetricType.Counter, "Bytes allocated on the managed heap since the process started.");
        writer.Sample("dotnet_gc_allocated_bytes_total", GC.GetTotalAllocatedBytes(precise: false));
    }

    /// <summary>Entries of a /proc directory; null where there is none (not Linux).</summary>
    private static int? CountEntries(string path)
    {
        try
        {
            return Directory.GetFileSystemEntries(path).Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
