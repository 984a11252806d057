using System.Diagnostics.Metrics;
using FastProxy.Core.Observability;

namespace FastProxy.Host.Metrics;

/// <summary>
/// The proxy's metrics: per-request counters fed by <see cref="OnRequestCompleted"/> (requests
/// by route, decision and status; latency histogram; body bytes), plus scrape-time values read
/// from <see cref="Sources"/> (connections, upstream pools, gate and token cache counters, JWKS,
/// reloads, audit queue). Published two ways: as System.Diagnostics.Metrics instruments on a
/// <c>Meter("FastProxy")</c> (for in-process listeners and dotnet-counters), and as Prometheus
/// text by <see cref="ToPrometheusText"/>, which reads the same counters directly (no
/// reflection, AOT-safe). See docs/metrics.md for every family.
/// </summary>
public sealed partial class ProxyMetrics : IRequestObserver, IDisposable
{
    /// <summary>The `route` label value of requests that matched no route.</summary>
    public const string UnmatchedRoute = "(none)";

    private const int OutcomeCount = (int)RequestOutcome.AuditUnavailable + 1;

    private readonly Lock _routesLock = new();
    private readonly Dictionary<string, RouteSeries> _seriesById = new(StringComparer.Ordinal);
    private readonly List<RouteSeries> _allSeries = [];
    private readonly RouteSeries _unmatched = new(UnmatchedRoute);
    private readonly long[] _outcomes = new long[OutcomeCount];
    private readonly Meter _meter;
    private readonly Histogram<double> _duration;
    private volatile RouteMap _routes = RouteMap.Empty;
    private volatile MetricsSources _sources = MetricsSources.None;

    public ProxyMetrics()
    {
        _allSeries.Add(_unmatched);
        _meter = new Meter(MeterName);
        _duration = _meter.CreateHistogram<double>("fastproxy.request.duration", "s", "Time from request head complete to last response byte.");
        CreateObservableInstruments();
    }

    /// <summary>The name of the <see cref="Meter"/> the instruments live on.</summary>
    public static string MeterName => "FastProxy";

    /// <summary>Where scrape-time values come from; set once the proxy host exists.</summary>
    public MetricsSources Sources
    {
        get => _sources;
        set => _sources = value ?? MetricsSources.None;
    }

    /// <summary>Metrics never refuse a record: this is not the audit trail.</summary>
    public bool IsAuditAvailable => true;

    /// <summary>
    /// Names the routes of the configuration in force: route index i is labelled
    /// <c>routeIds[i]</c>. Call at start and after every reload (or set
    /// <see cref="MetricsSources.Routes"/>, which is followed automatically). Series are kept by
    /// id, so a route's totals survive reloads that keep its id and never go backwards.
    /// </summary>
    public void SetRoutes(IReadOnlyList<string> routeIds)
    {
        ArgumentNullException.ThrowIfNull(routeIds);
        _routes = BuildMap(routeIds, routeIds);
    }

    public void OnRequestCompleted(in RequestRecord record)
    {
        var series = SeriesFor(record.RouteIndex);
        series.Record(DecisionOf(record), record.Status, record.DurationMicroseconds, record.BytesIn, record.BytesOut);
        var outcome = (int)record.Outcome;
        if ((uint)outcome < OutcomeCount)
        {
            Interlocked.Increment(ref _outcomes[outcome]);
        }

        if (_duration.Enabled)
        {
            // The tag value is the series' own string: no boxing, no formatting.
            _duration.Record(record.DurationMicroseconds / 1_000_000.0, new KeyValuePair<string, object?>("route", series.Id));
        }
    }

    public void Dispose() => _meter.Dispose();

    internal static RequestDecision DecisionOf(in RequestRecord record) => record.Outcome switch
    {
        RequestOutcome.Forwarded or RequestOutcome.UpstreamFailed => RequestDecision.Allow,
        RequestOutcome.Denied or RequestOutcome.AuditUnavailable => RequestDecision.Deny,

        // A request that failed on the client's side was allowed if the gate was asked at all
        // (a refusal would have been Denied).
        RequestOutcome.ClientFailed => record.Gate.Reason is null || string.Equals(record.Gate.Reason, GateNotAsked, StringComparison.Ordinal)
            ? RequestDecision.None
            : RequestDecision.Allow,
        _ => RequestDecision.None,
    };

    private static string GateNotAsked => Core.Gate.GateAudit.None.Reason;

    private RouteSeries SeriesFor(int routeIndex)
    {
        var map = _routes;
        var routes = _sources.Routes;
        if (routes is not null)
        {
            var current = routes();
            if (!ReferenceEquals(current, map.Source))
            {
                map = FollowRoutes(current);
            }
        }

        var series = map.Series;
        return (uint)routeIndex < (uint)series.Length ? series[routeIndex] : _unmatched;
    }

    private RouteMap FollowRoutes(IReadOnlyList<Policy.Config.RouteConfig> routes)
    {
        var ids = new string[routes.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = routes[i].Id;
        }

        var map = BuildMap(routes, ids);
        _routes = map;
        return map;
    }

    private RouteMap BuildMap(object source, IReadOnlyList<string> routeIds)
    {
        lock (_routesLock)
        {
            var series = new RouteSeries[routeIds.Count];
            for (var i = 0; i < series.Length; i++)
            {
                var id = routeIds[i] ?? "";
                if (!_seriesById.TryGetValue(id, out var existing))
                {
                    existing = new RouteSeries(id);
                    _seriesById.Add(id, existing);
                    _allSeries.Add(existing);
                }

                series[i] = existing;
            }

            return new RouteMap(source, series);
        }
    }

    private RouteSeries[] SnapshotSeries()
    {
        lock (_routesLock)
        {
            return [.. _allSeries];
        }
    }

    private sealed record RouteMap(object? Source, RouteSeries[] Series)
    {
        public static readonly RouteMap Empty = new(null, []);
    }
}
