using System.Runtime.InteropServices;

namespace FastProxy.Host.Metrics;

/// <summary>
/// The audit trail's counters as the metrics exporter reads them at scrape time. Filled by a
/// delegate the host supplies (<see cref="MetricsSources.Audit"/>), so metrics do not depend on
/// the audit trail's code.
/// </summary>
/// <param name="Written">Records written to the sink.</param>
/// <param name="Dropped">Records lost because the queue was full.</param>
/// <param name="SinkFailures">Writes the sink failed (disk full, unwritable path, ...).</param>
/// <param name="QueueDepth">Records waiting in the queue now.</param>
[StructLayout(LayoutKind.Auto)]
public readonly record struct AuditCounterValues(long Written, long Dropped, long SinkFailures, long QueueDepth);
