using System.Diagnostics.Metrics;

namespace FastProxy.Host.Metrics;

public sealed partial class ProxyMetrics
{
    // System.Diagnostics.Metrics view of the same counters, observed on demand (a MeterListener
    // or dotnet-counters); nothing here runs unless someone listens. Names follow the
    // OpenTelemetry style (dots); the Prometheus names are in docs/metrics.md.
    private void CreateObservableInstruments()
    {
        _meter.CreateObservableCounter("fastproxy.requests", ObserveRequests, "{request}", "Finished requests by route, decision and status.");
        _meter.CreateObservableCounter("fastproxy.request.body.received", () => ObservePerRoute(static s => s.BytesIn), "By", "Request body bytes received, by route.");
        _meter.CreateObservableCounter("fastproxy.response.body.sent", () => ObservePerRoute(static s => s.BytesOut), "By", "Response body bytes sent, by route.");
        _meter.CreateObservableUpDownCounter("fastproxy.connections.active", () => Single(_sources.ActiveConnections is { } f ? f() : null), "{connection}", "Open client connections.");
        _meter.CreateObservableCounter("fastproxy.token_cache.hits", () => Single(_sources.Policy is { } p ? Volatile.Read(ref p.CacheHits) : null), "{token}", "Token cache hits.");
        _meter.CreateObservableCounter("fastproxy.token_cache.misses", () => Single(_sources.Policy is { } p ? Volatile.Read(ref p.CacheMisses) : null), "{token}", "Token cache misses.");
        _meter.CreateObservableCounter("fastproxy.jwks.refreshes", () => Single(_sources.Policy is { } p ? Volatile.Read(ref p.JwksRefreshes) : null), "{refresh}", "Successful JWKS refreshes.");
        _meter.CreateObservableCounter("fastproxy.jwks.refresh_failures", () => Single(_sources.Policy is { } p ? Volatile.Read(ref p.JwksFailures) : null), "{refresh}", "Failed JWKS refreshes.");
        _meter.CreateObservableCounter("fastproxy.config.reloads", ObserveReloads, "{reload}", "Configuration reloads by result.");
        _meter.CreateObservableUpDownCounter("fastproxy.audit.queue_depth", () => Single(_sources.Audit is { } a ? a().QueueDepth : null), "{record}", "Audit records waiting to be written.");
        _meter.CreateObservableCounter("fastproxy.audit.dropped", () => Single(_sources.Audit is { } a ? a().Dropped : null), "{record}", "Audit records dropped (queue full).");
    }

    private static Measurement<long>[] Single(long? value) => value is { } v ? [new Measurement<long>(v)] : [];

    private List<Measurement<long>> ObserveRequests()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var series in SnapshotSeries())
        {
            for (var d = 0; d < DecisionText.Length; d++)
            {
                if (series.StatusCounts((RequestDecision)d) is not { } counts)
                {
                    continue;
                }

                for (var slot = 0; slot < counts.Length; slot++)
                {
                    var value = Volatile.Read(ref counts[slot]);
                    if (value != 0)
                    {
                        measurements.Add(new Measurement<long>(
                            value,
                            new KeyValuePair<string, object?>("route", series.Id),
                            new KeyValuePair<string, object?>("decision", DecisionText[d]),
                            new KeyValuePair<string, object?>("status", StatusCodeText.TextOf(slot))));
                    }
                }
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObservePerRoute(Func<RouteSeries, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var series in SnapshotSeries())
        {
            measurements.Add(new Measurement<long>(read(series), new KeyValuePair<string, object?>("route", series.Id)));
        }

        return measurements;
    }

    private Measurement<long>[] ObserveReloads()
    {
        if (_sources.Host is not { } host)
        {
            return [];
        }

        return
        [
            new Measurement<long>(Volatile.Read(ref host.ReloadsSucceeded), new KeyValuePair<string, object?>("result", "success")),
            new Measurement<long>(Volatile.Read(ref host.ReloadsFailed), new KeyValuePair<string, object?>("result", "failure")),
        ];
    }
}
