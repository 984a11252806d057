using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Upstream;
using FastProxy.Host.Metrics;
using FastProxy.Host.Proxy;
using FastProxy.Policy;
using FastProxy.Policy.Config;
using Microsoft.Extensions.Logging.Abstractions;
using FastProxy.Tests.Common;

namespace FastProxy.Host.Tests.Metrics;

public class ProxyMetricsTests
{
    private static readonly GateAudit Allowed = GateAudit.None with { Reason = "allowed" };

    [Fact]
    public void OnRequestCompleted_ScriptedSequence_CountsByRouteDecisionStatus()
    {
        using var metrics = new ProxyMetrics();
        metrics.SetRoutes(["orders", "public"]);

        Complete(metrics, 0, RequestOutcome.Forwarded, 200, 1_000, Allowed, bytesIn: 10, bytesOut: 100);
        Complete(metrics, 0, RequestOutcome.Forwarded, 200, 3_000, Allowed, bytesIn: 5, bytesOut: 50);
        Complete(metrics, 0, RequestOutcome.Denied, 401, 200, GateAudit.None with { Reason = "missing_token" });
        Complete(metrics, 0, RequestOutcome.Denied, 403, 300, GateAudit.None with { Reason = "no_rule_matched" });
        Complete(metrics, 1, RequestOutcome.UpstreamFailed, 502, 20_000_000, Allowed);
        Complete(metrics, -1, RequestOutcome.NoRoute, 404, 100, GateAudit.None);
        Complete(metrics, 1, RequestOutcome.ClientFailed, 0, 100, GateAudit.None);
        var text = metrics.ToPrometheusText();

        Assert.Equal(2, Value(text, "fastproxy_requests_total{route=\"orders\",decision=\"allow\",status=\"200\"}"));
        Assert.Equal(1, Value(text, "fastproxy_requests_total{route=\"orders\",decision=\"deny\",status=\"401\"}"));
        Assert.Equal(1, Value(text, "fastproxy_requests_total{route=\"orders\",decision=\"deny\",status=\"403\"}"));
        Assert.Equal(1, Value(text, "fastproxy_requests_total{route=\"public\",decision=\"allow\",status=\"502\"}"));
        Assert.Equal(1, Value(text, "fastproxy_requests_total{route=\"public\",decision=\"none\",status=\"0\"}"));
        Assert.Equal(1, Value(text, "fastproxy_requests_total{route=\"(none)\",decision=\"none\",status=\"404\"}"));
        Assert.Equal(2, Value(text, "fastproxy_request_outcomes_total{outcome=\"forwarded\"}"));
        Assert.Equal(2, Value(text, "fastproxy_request_outcomes_total{outcome=\"denied\"}"));
        Assert.Equal(1, Value(text, "fastproxy_request_outcomes_total{outcome=\"no_route\"}"));
        Assert.Equal(0, Value(text, "fastproxy_request_outcomes_total{outcome=\"audit_unavailable\"}"));
        Assert.Equal(15, Value(text, "fastproxy_request_body_received_bytes_total{route=\"orders\"}"));
        Assert.Equal(150, Value(text, "fastproxy_response_body_sent_bytes_total{route=\"orders\"}"));

        // orders: 200 us, 300 us (<= 0.0005), 1 ms (<= 0.001), 3 ms (<= 0.005)
        Assert.Equal(2, Value(text, "fastproxy_request_duration_seconds_bucket{route=\"orders\",le=\"0.0005\"}"));
        Assert.Equal(3, Value(text, "fastproxy_request_duration_seconds_bucket{route=\"orders\",le=\"0.001\"}"));
        Assert.Equal(3, Value(text, "fastproxy_request_duration_seconds_bucket{route=\"orders\",le=\"0.0025\"}"));
        Assert.Equal(4, Value(text, "fastproxy_request_duration_seconds_bucket{route=\"orders\",le=\"0.005\"}"));
        Assert.Equal(4, Value(text, "fastproxy_request_duration_seconds_bucket{route=\"orders\",le=\"+Inf\"}"));
        Assert.Equal(4, Value(text, "fastproxy_request_duration_seconds_count{route=\"orders\"}"));
        Assert.Equal(0.0045, Value(text, "fastproxy_request_duration_seconds_sum{route=\"orders\"}"), 9);

        // public: 20 s is past the last bound: only +Inf holds it.
        Assert.Equal(1, Value(text, "fastproxy_request_duration_seconds_bucket{route=\"public\",le=\"10\"}"));
        Assert.Equal(2, Value(text, "fastproxy_request_duration_seconds_bucket{route=\"public\",le=\"+Inf\"}"));
    }

    [Fact]
    public void ToPrometheusText_AnyState_OneTypeLinePerFamilyAndBucketsCumulative()
    {
        using var metrics = ScriptedMetrics();

        var text = metrics.ToPrometheusText();

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var types = lines.Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal(types.Count, types.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("fastproxy_requests_total", types, StringComparer.Ordinal);
        Assert.Contains("fastproxy_request_duration_seconds", types, StringComparer.Ordinal);

        // Every series' buckets never decrease and end with +Inf == _count.
        const string Bucket = "fastproxy_request_duration_seconds_bucket{";
        var buckets = lines
            .Where(l => l.StartsWith(Bucket, StringComparison.Ordinal))
            .Select(l => (Labels: l[..l.LastIndexOf(",le=", StringComparison.Ordinal)], Value: long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)))
            .ToList();
        var routes = buckets.Select(b => b.Labels).Distinct(StringComparer.Ordinal).ToList();
        Assert.Equal(4, routes.Count);
        foreach (var route in routes)
        {
            var values = buckets.Where(b => string.Equals(b.Labels, route, StringComparison.Ordinal)).Select(b => b.Value).ToList();
            Assert.Equal(LatencyBuckets.SlotCount, values.Count);
            Assert.Equal(values.Order(), values);
            var count = "fastproxy_request_duration_seconds_count{" + route[Bucket.Length..] + "}";
            Assert.Equal(values[^1], Value(text, count));
        }
    }

    [Fact]
    public void ToPrometheusText_UpstreamTlsCounters_ExposedByResult()
    {
        var counters = new FastProxy.Tls.Client.UpstreamTlsCounters { Completed = 5, CertificateRejected = 2, HandshakeFailed = 1, HandshakeTimeout = 3 };
        using var metrics = new ProxyMetrics { Sources = new MetricsSources { UpstreamTls = counters } };

        var text = metrics.ToPrometheusText();

        Assert.Equal(5, Value(text, "fastproxy_upstream_tls_handshakes_total{result=\"ok\"}"));
        Assert.Equal(2, Value(text, "fastproxy_upstream_tls_handshakes_total{result=\"certificate_rejected\"}"));
        Assert.Equal(1, Value(text, "fastproxy_upstream_tls_handshakes_total{result=\"failed\"}"));
        Assert.Equal(3, Value(text, "fastproxy_upstream_tls_handshakes_total{result=\"timeout\"}"));
    }

    [Fact]
    public void ToPrometheusText_RateLimitedRequests_ExposedByProtocol()
    {
        var http1 = new FastProxy.Core.Limits.RateLimitedRequests();
        var http2 = new FastProxy.Core.Limits.RateLimitedRequests();
        var time = TimeProvider.System;
        http1.Add(time, time.GetTimestamp());
        http1.Add(time, time.GetTimestamp());
        http2.Add(time, time.GetTimestamp());
        using var metrics = new ProxyMetrics { Sources = new MetricsSources { RateLimited = (http1, http2) } };

        var text = metrics.ToPrometheusText();

        Assert.Contains("# TYPE fastproxy_requests_rate_limited_total counter", text, StringComparison.Ordinal);
        Assert.Equal(2, Value(text, "fastproxy_requests_rate_limited_total{protocol=\"http1\"}"));
        Assert.Equal(1, Value(text, "fastproxy_requests_rate_limited_total{protocol=\"http2\"}"));
    }

    [Fact]
    public void ToPrometheusText_NoTlsCluster_NoUpstreamTlsFamily()
    {
        using var metrics = new ProxyMetrics { Sources = new MetricsSources() };

        Assert.DoesNotContain("fastproxy_upstream_tls_handshakes_total", metrics.ToPrometheusText(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToPrometheusText_ProcessHealth_MemoryDescriptorsThreadsAndGcExposed()
    {
        using var metrics = new ProxyMetrics { Sources = new MetricsSources() };
        GC.Collect(0);

        var text = metrics.ToPrometheusText();

        Assert.InRange(Value(text, "process_resident_memory_bytes"), 1_000_000, long.MaxValue);
        Assert.InRange(Value(text, "process_open_fds"), 3, 1_000_000);
        Assert.InRange(Value(text, "process_threads"), 1, 100_000);
        Assert.InRange(Value(text, "dotnet_gc_collections_total{generation=\"0\"}"), 1, long.MaxValue);
        Assert.InRange(Value(text, "dotnet_gc_allocated_bytes_total"), 1, long.MaxValue);
    }

    [Fact]
    public void ToPrometheusText_Sources_ExposesScrapeTimeValues()
    {
        using var metrics = new ProxyMetrics();
        var policy = new PolicyCounters { Allowed = 7, Denied401 = 2, CacheHits = 5, CacheMisses = 3, JwksRefreshes = 4, JwksFailures = 1, ShadowDenied = 6 };
        var host = new HostCounters { ReloadsSucceeded = 2, ReloadsFailed = 1 };
        metrics.Sources = new MetricsSources
        {
            ActiveConnections = () => 12,
            Policy = policy,
            Host = host,
            Audit = () => new AuditCounterValues(Written: 100, Dropped: 3, SinkFailures: 2, QueueDepth: 9),
        };

        var text = metrics.ToPrometheusText();

        Assert.Equal(12, Value(text, "fastproxy_active_connections"));
        Assert.Equal(0, Value(text, "fastproxy_http2_streams_active"));
        Assert.Equal(7, Value(text, "fastproxy_gate_decisions_total{result=\"allowed\"}"));
        Assert.Equal(2, Value(text, "fastproxy_gate_decisions_total{result=\"denied_401\"}"));
        Assert.Equal(6, Value(text, "fastproxy_gate_shadow_decisions_total{verdict=\"deny\"}"));
        Assert.Equal(5, Value(text, "fastproxy_token_cache_hits_total"));
        Assert.Equal(3, Value(text, "fastproxy_token_cache_misses_total"));
        Assert.Equal(4, Value(text, "fastproxy_jwks_refreshes_total"));
        Assert.Equal(1, Value(text, "fastproxy_jwks_refresh_failures_total"));
        Assert.Equal(2, Value(text, "fastproxy_config_reloads_total{result=\"success\"}"));
        Assert.Equal(1, Value(text, "fastproxy_config_reloads_total{result=\"failure\"}"));
        Assert.Equal(100, Value(text, "fastproxy_audit_records_written_total"));
        Assert.Equal(3, Value(text, "fastproxy_audit_records_dropped_total"));
        Assert.Equal(2, Value(text, "fastproxy_audit_sink_failures_total"));
        Assert.Equal(9, Value(text, "fastproxy_audit_queue_depth"));

        // Live values: read at scrape time, not at construction.
        Interlocked.Increment(ref host.ReloadsFailed);
        Assert.Equal(2, Value(metrics.ToPrometheusText(), "fastproxy_config_reloads_total{result=\"failure\"}"));
    }

    [Fact]
    public void ToPrometheusText_NoSources_OmitsTheirFamilies()
    {
        using var metrics = new ProxyMetrics();

        var text = metrics.ToPrometheusText();

        Assert.DoesNotContain("fastproxy_audit_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("fastproxy_gate_decisions_total", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fastproxy_requests_total counter", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToPrometheusText_Clusters_PoolGaugesPerEndpoint()
    {
        await using var cluster = new UpstreamCluster("app", [new IPEndPoint(IPAddress.Loopback, 9), new IPEndPoint(IPAddress.Loopback, 10)], BalancePolicy.RoundRobin, new UpstreamPoolOptions(), TimeProvider.System, NullLogger.Instance);
        using var metrics = new ProxyMetrics { Sources = new MetricsSources { Clusters = () => [cluster] } };

        var text = metrics.ToPrometheusText();

        Assert.Equal(0, Value(text, "fastproxy_upstream_connections_open{cluster=\"app\",endpoint=\"127.0.0.1:9\"}"));
        Assert.Equal(0, Value(text, "fastproxy_upstream_connections_idle{cluster=\"app\",endpoint=\"127.0.0.1:10\"}"));
        Assert.Equal(0, Value(text, "fastproxy_upstream_requests_outstanding{cluster=\"app\",endpoint=\"127.0.0.1:9\"}"));
        Assert.Equal(0, Value(text, "fastproxy_upstream_endpoint_ejected{cluster=\"app\",endpoint=\"127.0.0.1:9\"}"));
        Assert.Equal(0, Value(text, "fastproxy_upstream_endpoints_ejected{cluster=\"app\"}"));
    }

    [Fact]
    public async Task ToPrometheusText_UpstreamQueueFull_RejectionCountedPerEndpoint()
    {
        using var listen = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listen.Bind(LoopbackHelpers.AnyPortV4);
        listen.Listen(8);
        var address = (IPEndPoint)listen.LocalEndPoint!;
        await using var cluster = new UpstreamCluster("app", [address], BalancePolicy.RoundRobin, new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 1, MaxPendingRequestsPerEndpoint = 0 }, TimeProvider.System, NullLogger.Instance);
        using var metrics = new ProxyMetrics { Sources = new MetricsSources { Clusters = () => [cluster] } };
        var series = $"{{cluster=\"app\",endpoint=\"{address}\"}}";
        Assert.Equal(0, Value(metrics.ToPrometheusText(), "fastproxy_upstream_queue_rejections_total" + series));
        var busy = await cluster.Endpoints[0].AcquireAsync(CancellationToken.None);

        await Assert.ThrowsAsync<UpstreamQueueFullException>(async () => await cluster.Endpoints[0].AcquireAsync(CancellationToken.None));
        var text = metrics.ToPrometheusText();

        Assert.Contains("# TYPE fastproxy_upstream_queue_rejections_total counter", text, StringComparison.Ordinal);
        Assert.Equal(1, Value(text, "fastproxy_upstream_queue_rejections_total" + series));
        Assert.Equal(0, Value(text, "fastproxy_upstream_requests_queued" + series));
        Assert.Equal(0, Value(text, "fastproxy_upstream_unsolicited_bytes_closures_total" + series));
        cluster.Endpoints[0].Release(busy, reusable: false);
    }

    [Fact]
    public async Task ToPrometheusText_CircuitBreakerOpen_RejectionCountedPerClusterAndLimit()
    {
        using var listen = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listen.Bind(LoopbackHelpers.AnyPortV4);
        listen.Listen(8);
        await using var cluster = new UpstreamCluster("app", [listen.LocalEndPoint!], BalancePolicy.RoundRobin, new UpstreamPoolOptions { MaxConnectionsPerCluster = 1, MaxPendingRequestsPerCluster = 0 }, TimeProvider.System, NullLogger.Instance);
        using var metrics = new ProxyMetrics { Sources = new MetricsSources { Clusters = () => [cluster] } };
        Assert.Equal(0, Value(metrics.ToPrometheusText(), "fastproxy_upstream_circuit_breaker_rejections_total{cluster=\"app\",limit=\"max_pending_requests\"}"));
        var busy = await cluster.Endpoints[0].AcquireAsync(CancellationToken.None);

        await Assert.ThrowsAsync<UpstreamCircuitBreakerOpenException>(async () => await cluster.Endpoints[0].AcquireAsync(CancellationToken.None));
        var text = metrics.ToPrometheusText();

        Assert.Contains("# TYPE fastproxy_upstream_circuit_breaker_rejections_total counter", text, StringComparison.Ordinal);
        Assert.Equal(1, Value(text, "fastproxy_upstream_circuit_breaker_rejections_total{cluster=\"app\",limit=\"max_pending_requests\"}"));
        Assert.Equal(0, Value(text, "fastproxy_upstream_circuit_breaker_rejections_total{cluster=\"app\",limit=\"max_connections\"}"));
        cluster.Endpoints[0].Release(busy, reusable: false);
    }

    [Fact]
    public void SetRoutes_ReloadKeepsId_TotalsSurviveAndIndexesFollow()
    {
        using var metrics = new ProxyMetrics();
        metrics.SetRoutes(["a", "b"]);
        Complete(metrics, 1, RequestOutcome.Forwarded, 200, 10, Allowed);

        metrics.SetRoutes(["b", "c"]);
        Complete(metrics, 0, RequestOutcome.Forwarded, 200, 10, Allowed);
        Complete(metrics, 1, RequestOutcome.Forwarded, 200, 10, Allowed);
        var text = metrics.ToPrometheusText();

        Assert.Equal(2, Value(text, "fastproxy_requests_total{route=\"b\",decision=\"allow\",status=\"200\"}"));
        Assert.Equal(1, Value(text, "fastproxy_requests_total{route=\"c\",decision=\"allow\",status=\"200\"}"));

        // "a" left the config but its counters stay (a counter must never go backwards).
        Assert.Equal(0, Value(text, "fastproxy_request_body_received_bytes_total{route=\"a\"}"));
    }

    [Fact]
    public void OnRequestCompleted_RoutesSourceChanges_RelabelsWithoutSetRoutes()
    {
        IReadOnlyList<RouteConfig> routes = [new RouteConfig { Id = "first" }];
        using var metrics = new ProxyMetrics { Sources = new MetricsSources { Routes = () => routes } };
        Complete(metrics, 0, RequestOutcome.Forwarded, 200, 10, Allowed);

        routes = [new RouteConfig { Id = "second" }];
        Complete(metrics, 0, RequestOutcome.Forwarded, 200, 10, Allowed);
        var text = metrics.ToPrometheusText();

        Assert.Equal(1, Value(text, "fastproxy_requests_total{route=\"first\",decision=\"allow\",status=\"200\"}"));
        Assert.Equal(1, Value(text, "fastproxy_requests_total{route=\"second\",decision=\"allow\",status=\"200\"}"));
    }

    [Fact]
    public void OnRequestCompleted_IndexOutOfRange_CountedAsUnmatched()
    {
        using var metrics = new ProxyMetrics();
        metrics.SetRoutes(["only"]);

        Complete(metrics, 5, RequestOutcome.NoRoute, 404, 10, GateAudit.None);

        Assert.Equal(1, Value(metrics.ToPrometheusText(), "fastproxy_requests_total{route=\"(none)\",decision=\"none\",status=\"404\"}"));
    }

    [Theory]
    [InlineData(RequestOutcome.Forwarded, "allowed", "Allow")]
    [InlineData(RequestOutcome.UpstreamFailed, "allowed", "Allow")]
    [InlineData(RequestOutcome.Denied, "missing_token", "Deny")]
    [InlineData(RequestOutcome.AuditUnavailable, "allowed", "Deny")]
    [InlineData(RequestOutcome.NoRoute, "none", "None")]
    [InlineData(RequestOutcome.ClientFailed, "none", "None")]
    [InlineData(RequestOutcome.ClientFailed, "public", "Allow")]
    public void DecisionOf_Outcome_MapsToDecision(RequestOutcome outcome, string reason, string expected)
    {
        var record = new RequestRecord { Outcome = outcome, Gate = GateAudit.None with { Reason = reason }, Protocol = "HTTP/1.1" };

        Assert.Equal(expected, ProxyMetrics.DecisionOf(record).ToString());
    }

    [Fact]
    public void OnRequestCompleted_SteadyState_AllocatesNothing()
    {
        IReadOnlyList<RouteConfig> routes = [new RouteConfig { Id = "r0" }, new RouteConfig { Id = "r1" }];
        using var metrics = new ProxyMetrics { Sources = new MetricsSources { Routes = () => routes } };
        RunScript(metrics);

        var allocated = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                RunScript(metrics);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void OnRequestCompleted_MeterListenerOnDuration_AllocatesNothingAndSeesRouteTag()
    {
        using var metrics = new ProxyMetrics();
        metrics.SetRoutes(["r0", "r1"]);
        var seen = new StrongBox<(double Sum, string? Route)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (string.Equals(instrument.Meter.Name, ProxyMetrics.MeterName, StringComparison.Ordinal) && string.Equals(instrument.Name, "fastproxy.request.duration", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument, seen);
            }
        };
        listener.SetMeasurementEventCallback<double>(static (instrument, value, tags, state) =>
        {
            var box = (StrongBox<(double Sum, string? Route)>)state!;
            box.Value = (box.Value.Sum + value, tags[0].Value as string);
        });
        listener.Start();
        RunScript(metrics);

        var allocated = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                RunScript(metrics);
            }
        });

        Assert.Equal(0, allocated);
        Assert.True(seen.Value.Sum > 0);
        Assert.Equal("r0", seen.Value.Route); // the script's last record is on route 0
    }

    [Fact]
    public void Meter_ObservableRequests_ReportedToMeterListener()
    {
        using var metrics = new ProxyMetrics();
        // A route name of this test's own: the listener also sees the instruments of ProxyMetrics that tests running in
        // parallel create (one meter name for all), with their own routes.
        const string Route = "meter-listener-route";
        metrics.SetRoutes([Route]);
        Complete(metrics, 0, RequestOutcome.Forwarded, 204, 10, Allowed);
        var observed = new List<(long Value, string? Route, string? Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (string.Equals(instrument.Meter.Name, ProxyMetrics.MeterName, StringComparison.Ordinal) && string.Equals(instrument.Name, "fastproxy.requests", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
        {
            string? route = null, status = null;
            foreach (var tag in tags)
            {
                route = string.Equals(tag.Key, "route", StringComparison.Ordinal) ? tag.Value as string : route;
                status = string.Equals(tag.Key, "status", StringComparison.Ordinal) ? tag.Value as string : status;
            }

            if (string.Equals(route, Route, StringComparison.Ordinal))
            {
                observed.Add((value, route, status));
            }
        });
        listener.Start();

        listener.RecordObservableInstruments();

        var measurement = Assert.Single(observed);
        Assert.Equal((1L, Route, "204"), measurement);
    }

    /// <summary>A fixed mix over every decision, several statuses and latency buckets (warmed once, then repeated).</summary>
    private static void RunScript(ProxyMetrics metrics)
    {
        Complete(metrics, 0, RequestOutcome.Forwarded, 200, 800, Allowed, 100, 1000);
        Complete(metrics, 1, RequestOutcome.Forwarded, 304, 40_000, Allowed);
        Complete(metrics, 0, RequestOutcome.Denied, 401, 90, GateAudit.None with { Reason = "expired" });
        Complete(metrics, 1, RequestOutcome.UpstreamFailed, 503, 12_000_000, Allowed);
        Complete(metrics, -1, RequestOutcome.NoRoute, 404, 30, GateAudit.None);
        Complete(metrics, 0, RequestOutcome.ClientFailed, 0, 30, Allowed);
    }

    internal static ProxyMetrics ScriptedMetrics()
    {
        var metrics = new ProxyMetrics();
        metrics.SetRoutes(["orders", "we\"ird\\route\nid", "public"]);
        RunScript(metrics);
        Complete(metrics, 2, RequestOutcome.Forwarded, 200, 5_000, GateAudit.None with { Reason = "public" });
        return metrics;
    }

    private static void Complete(ProxyMetrics metrics, int route, RequestOutcome outcome, int status, long micros, GateAudit gate, long bytesIn = 0, long bytesOut = 0)
    {
        var record = new RequestRecord
        {
            RouteIndex = route,
            Outcome = outcome,
            Status = status,
            DurationMicroseconds = micros,
            Gate = gate,
            BytesIn = bytesIn,
            BytesOut = bytesOut,
            Protocol = "HTTP/1.1",
            Method = "GET"u8,
            Path = "/x"u8,
        };
        metrics.OnRequestCompleted(record);
    }

    /// <summary>The value of the sample named exactly <paramref name="series"/> (name plus labels as written).</summary>
    internal static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(series.Length + 1), CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail($"no sample {series} in:\n{text}");
        return double.NaN;
    }
}
