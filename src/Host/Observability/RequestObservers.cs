using FastProxy.Core.Observability;
using FastProxy.Host.Audit;
using FastProxy.Host.Config;
using FastProxy.Host.Metrics;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Observability;

/// <summary>
/// What watches the requests of a running proxy, built from the configuration at start: the
/// audit trail (`audit:`), the metrics (always), the access log (`log.access:`). Changing
/// `audit:` or `log.access:` needs a restart; the rest of a configuration reloads.
/// </summary>
public sealed class RequestObservers : IAsyncDisposable
{
    private RequestObservers(AuditTrail? audit, ProxyMetrics metrics, AccessLog? accessLog)
    {
        Audit = audit;
        Metrics = metrics;
        AccessLog = accessLog;
        var others = new List<IRequestObserver> { metrics };
        if (accessLog is not null)
        {
            others.Add(accessLog);
        }

        Observer = new CompositeRequestObserver(audit ?? (IRequestObserver)NullRequestObserver.Instance, others);
    }

    public AuditTrail? Audit { get; }

    public ProxyMetrics Metrics { get; }

    public AccessLog? AccessLog { get; }

    /// <summary>The one observer the proxy loop calls.</summary>
    public IRequestObserver Observer { get; }

    /// <summary>on_audit_failure: deny with an enabled audit trail.</summary>
    public bool DenyWhenAuditUnavailable => Audit is { Enabled: true, DenyOnFailure: true };

    public static RequestObservers Create(FastProxyConfig config, string baseDirectory, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(config);
        var audit = config.Audit.Enabled ? AuditTrail.Create(config.Audit, baseDirectory, time, loggers.CreateLogger("FastProxy.Audit")) : null;
        var access = config.Log.Access.Enabled ? AccessLog.Create(config.Log.Access, baseDirectory, loggers.CreateLogger("FastProxy.AccessLog")) : null;
        return new RequestObservers(audit, new ProxyMetrics(), access);
    }

    public AuditCounterValues AuditValues()
    {
        var counters = Audit?.Counters;
        return counters is null
            ? default
            : new AuditCounterValues(Volatile.Read(ref counters.Written), Volatile.Read(ref counters.Dropped), Volatile.Read(ref counters.SinkFailures), counters.QueueDepth);
    }

    public async ValueTask DisposeAsync()
    {
        if (Audit is not null)
        {
            await Audit.DisposeAsync();
        }

        if (AccessLog is not null)
        {
            await AccessLog.DisposeAsync();
        }

        Metrics.Dispose();
    }
}
