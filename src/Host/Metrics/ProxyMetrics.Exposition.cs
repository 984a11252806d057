using FastProxy.Core.Upstream;

namespace FastProxy.Host.Metrics;

public sealed partial class ProxyMetrics
{
    private static readonly string[] DecisionText = ["allow", "deny", "none"];

    private static readonly string[] OutcomeText = ["forwarded", "denied", "no_route", "upstream_failed", "client_failed", "audit_unavailable"];

    /// <summary>Everything in Prometheus text format 0.0.4 (served by the admin endpoint at /metrics).</summary>
    public string ToPrometheusText()
    {
        var writer = new PrometheusTextWriter();
        var sources = _sources;
        var series = SnapshotSeries();
        WriteRequests(writer, series);
        WriteConnections(writer, sources);
        WriteUpstreams(writer, sources);
        WritePolicy(writer, sources);
        WriteHost(writer, sources);
        WriteTls(writer, sources);
        WriteUpstreamTls(writer, sources);
        WriteAudit(writer, sources);
        WriteProcess(writer);
        return writer.ToString();
    }

    private void WriteRequests(PrometheusTextWriter writer, RouteSeries[] series)
    {
        writer.Family("fastproxy_requests_total", MetricType.Counter, "Finished requests by route, gate decision (allow, deny, none: gate not asked) and response status (0: no status was sent).");
        foreach (var route in series)
        {
            for (var d = 0; d < DecisionText.Length; d++)
            {
                var counts = route.StatusCounts((RequestDecision)d);
                if (counts is null)
                {
                    continue;
                }

                for (var slot = 0; slot < counts.Length; slot++)
                {
                    var value = Volatile.Read(ref counts[slot]);
                    if (value != 0)
                    {
                        writer.Sample("fastproxy_requests_total", value, ("route", route.Id), ("decision", DecisionText[d]), ("status", StatusCodeText.TextOf(slot)));
                    }
                }
            }
        }

        writer.Family("fastproxy_request_outcomes_total", MetricType.Counter, "Finished requests by what finally happened to them.");
        for (var i = 0; i < OutcomeText.Length; i++)
        {
            writer.Sample("fastproxy_request_outcomes_total", Volatile.Read(ref _outcomes[i]), ("outcome", OutcomeText[i]));
        }

        writer.Family("fastproxy_request_duration_seconds", MetricType.Histogram, "Time from the request head being complete to the last response byte sent, by route.");
        Span<long> slots = stackalloc long[LatencyBuckets.SlotCount];
        foreach (var route in series)
        {
            route.CopyLatencySlots(slots);
            if (!HasAny(slots) && ReferenceEquals(route, _unmatched))
            {
                continue;
            }

            writer.Histogram("fastproxy_request_duration_seconds", LatencyBuckets.LeText, slots, route.DurationMicroseconds / 1_000_000.0, ("route", route.Id));
        }

        writer.Family("fastproxy_request_body_received_bytes_total", MetricType.Counter, "Request body bytes received from clients, by route.");
        foreach (var route in series)
        {
            writer.Sample("fastproxy_request_body_received_bytes_total", route.BytesIn, ("route", route.Id));
        }

        writer.Family("fastproxy_response_body_sent_bytes_total", MetricType.Counter, "Response body bytes sent to clients, by route.");
        foreach (var route in series)
        {
            writer.Sample("fastproxy_response_body_sent_bytes_total", route.BytesOut, ("route", route.Id));
        }
    }

    private static void WriteConnections(PrometheusTextWriter writer, MetricsSources sources)
    {
        if (sources.ActiveConnections is { } active)
        {
            writer.Family("fastproxy_active_connections", MetricType.Gauge, "Open client connections on the proxy listeners.");
            writer.Sample("fastproxy_active_connections", active());
        }

        if (sources.ConnectionsRefusedPerAddress is { } refused)
        {
            writer.Family("fastproxy_connections_refused_total", MetricType.Counter, "Client connections closed at accept by a limit, by reason (per_address: limits.max_connections_per_address).");
            writer.Sample("fastproxy_connections_refused_total", refused(), ("reason", "per_address"));
        }

        if (sources.ProxyProtocol is { } proxy)
        {
            writer.Family("fastproxy_proxy_protocol_headers_total", MetricType.Counter, "PROXY protocol headers on listeners that expect them, by result: accepted (named a client), local (a balancer health check: the peer address stays), untrusted (peer outside proxy_protocol.trusted: closed), invalid and timeout (closed).");
            writer.Sample("fastproxy_proxy_protocol_headers_total", Volatile.Read(ref proxy.Accepted), ("result", "accepted"));
            writer.Sample("fastproxy_proxy_protocol_headers_total", Volatile.Read(ref proxy.Local), ("result", "local"));
            writer.Sample("fastproxy_proxy_protocol_headers_total", Volatile.Read(ref proxy.Untrusted), ("result", "untrusted"));
            writer.Sample("fastproxy_proxy_protocol_headers_total", Volatile.Read(ref proxy.Invalid), ("result", "invalid"));
            writer.Sample("fastproxy_proxy_protocol_headers_total", Volatile.Read(ref proxy.TimedOut), ("result", "timeout"));
        }

        if (sources.AcceptsDelayed is { } delayed)
        {
            writer.Family("fastproxy_accepts_delayed_total", MetricType.Counter, "Accepts that waited for limits.max_accepts_per_second (the flood waited in the kernel backlog).");
            writer.Sample("fastproxy_accepts_delayed_total", delayed());
        }

        if (sources.RateLimited is var (http1, http2))
        {
            writer.Family("fastproxy_requests_rate_limited_total", MetricType.Counter, "Requests answered 429 by limits.max_requests_per_connection_per_second (never routed, gated or audited), by protocol.");
            writer.Sample("fastproxy_requests_rate_limited_total", http1.Count, ("protocol", "http1"));
            writer.Sample("fastproxy_requests_rate_limited_total", http2.Count, ("protocol", "http2"));
        }

        // HTTP/2 is not implemented yet: the family exists (dashboards and alerts can be written
        // now) and reads 0.
        writer.Family("fastproxy_http2_streams_active", MetricType.Gauge, "Open HTTP/2 streams, from HEADERS until the stream is closed and its request recorded.");
        writer.Sample("fastproxy_http2_streams_active", Http.Http2.Http2Metrics.ActiveStreams);
    }

    private static void WriteUpstreams(PrometheusTextWriter writer, MetricsSources sources)
    {
        if (sources.Clusters is not { } clustersOf)
        {
            return;
        }

        var clusters = clustersOf();
        writer.Family("fastproxy_upstream_connections_open", MetricType.Gauge, "Open upstream connections (busy and idle), by cluster and endpoint.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_connections_open", endpoint.OpenConnections, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_connections_idle", MetricType.Gauge, "Idle pooled upstream connections, by cluster and endpoint.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_connections_idle", endpoint.IdleCount, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_requests_outstanding", MetricType.Gauge, "Requests in flight to an upstream endpoint, by cluster and endpoint.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_requests_outstanding", endpoint.Outstanding, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_consecutive_failures", MetricType.Gauge, "Consecutive failures of an upstream endpoint (reset by a success), by cluster and endpoint.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_consecutive_failures", endpoint.ConsecutiveFailures, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_endpoint_ejected", MetricType.Gauge, "1 while an upstream endpoint is ejected after consecutive failures, else 0.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_endpoint_ejected", endpoint.IsEjected ? 1L : 0L, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_ejections_total", MetricType.Counter, "Passive ejections of an upstream endpoint (after consecutive failures), by cluster and endpoint, since its configuration was loaded.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_ejections_total", endpoint.Ejections, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_trial_requests_total", MetricType.Counter, "Trial requests sent to an ejected upstream endpoint (one per backoff; a success ends the ejection), by cluster and endpoint.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_trial_requests_total", endpoint.TrialRequests, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_requests_queued", MetricType.Gauge, "Requests waiting for a connection to an upstream endpoint whose connections are all busy, by cluster and endpoint.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_requests_queued", endpoint.PendingRequests, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_queue_rejections_total", MetricType.Counter, "Requests refused with 503 at once because every connection to the endpoint was busy and its wait queue was full, by cluster and endpoint.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_queue_rejections_total", endpoint.QueueRejections, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_unsolicited_bytes_closures_total", MetricType.Counter, "Upstream connections closed instead of reused because the upstream sent bytes no request asked for (a desync or smuggling sign), by cluster and endpoint.");
        ForEachEndpoint(clusters, (cluster, endpoint) => writer.Sample("fastproxy_upstream_unsolicited_bytes_closures_total", endpoint.UnsolicitedBytesClosures, ("cluster", cluster.Name), ("endpoint", endpoint.ToString())));
        writer.Family("fastproxy_upstream_endpoints_ejected", MetricType.Gauge, "Ejected endpoints per cluster.");
        foreach (var cluster in clusters)
        {
            long ejected = 0;
            foreach (var endpoint in cluster.Endpoints)
            {
                ejected += endpoint.IsEjected ? 1 : 0;
            }

            writer.Sample("fastproxy_upstream_endpoints_ejected", ejected, ("cluster", cluster.Name));
        }

        writer.Family("fastproxy_upstream_panic", MetricType.Gauge, "1 while fewer of a cluster's endpoints are healthy than its panic threshold and requests go to every endpoint, else 0.");
        foreach (var cluster in clusters)
        {
            writer.Sample("fastproxy_upstream_panic", cluster.InPanic ? 1L : 0L, ("cluster", cluster.Name));
        }

        writer.Family("fastproxy_upstream_panic_picks_total", MetricType.Counter, "Requests sent while the cluster was in panic mode (ejection ignored), by cluster, since its configuration was loaded.");
        foreach (var cluster in clusters)
        {
            writer.Sample("fastproxy_upstream_panic_picks_total", cluster.PanicPicks, ("cluster", cluster.Name));
        }

        writer.Family("fastproxy_upstream_circuit_breaker_rejections_total", MetricType.Counter, "Requests refused with 503 at once by a cluster's circuit breaker, by cluster and the limit that was reached (max_connections, max_pending_requests), since its configuration was loaded.");
        foreach (var cluster in clusters)
        {
            writer.Sample("fastproxy_upstream_circuit_breaker_rejections_total", cluster.CircuitBreakerRejections(CircuitBreakerLimit.MaxConnections), ("cluster", cluster.Name), ("limit", "max_connections"));
            writer.Sample("fastproxy_upstream_circuit_breaker_rejections_total", cluster.CircuitBreakerRejections(CircuitBreakerLimit.MaxPendingRequests), ("cluster", cluster.Name), ("limit", "max_pending_requests"));
        }
    }

    private static void WritePolicy(PrometheusTextWriter writer, MetricsSources sources)
    {
        if (sources.Policy is not { } policy)
        {
            return;
        }

        writer.Family("fastproxy_gate_decisions_total", MetricType.Counter, "Gate decisions by result (allowed, denied_400/401/403, unavailable_503, no_route).");
        writer.Sample("fastproxy_gate_decisions_total", Volatile.Read(ref policy.Allowed), ("result", "allowed"));
        writer.Sample("fastproxy_gate_decisions_total", Volatile.Read(ref policy.Denied400), ("result", "denied_400"));
        writer.Sample("fastproxy_gate_decisions_total", Volatile.Read(ref policy.Denied401), ("result", "denied_401"));
        writer.Sample("fastproxy_gate_decisions_total", Volatile.Read(ref policy.Denied403), ("result", "denied_403"));
        writer.Sample("fastproxy_gate_decisions_total", Volatile.Read(ref policy.Unavailable503), ("result", "unavailable_503"));
        writer.Sample("fastproxy_gate_decisions_total", Volatile.Read(ref policy.NoRoute), ("result", "no_route"));
        writer.Family("fastproxy_gate_shadow_decisions_total", MetricType.Counter, "Verdicts of routes in shadow (audit) mode: what enforcement would have done.");
        writer.Sample("fastproxy_gate_shadow_decisions_total", Volatile.Read(ref policy.ShadowAllowed), ("verdict", "allow"));
        writer.Sample("fastproxy_gate_shadow_decisions_total", Volatile.Read(ref policy.ShadowDenied), ("verdict", "deny"));
        writer.Family("fastproxy_token_cache_hits_total", MetricType.Counter, "Bearer tokens found in the validated-token cache.");
        writer.Sample("fastproxy_token_cache_hits_total", Volatile.Read(ref policy.CacheHits));
        writer.Family("fastproxy_token_cache_misses_total", MetricType.Counter, "Bearer tokens not in the cache (validated in full).");
        writer.Sample("fastproxy_token_cache_misses_total", Volatile.Read(ref policy.CacheMisses));
        writer.Family("fastproxy_jwks_refreshes_total", MetricType.Counter, "Successful JWKS (identity provider key set) refreshes.");
        writer.Sample("fastproxy_jwks_refreshes_total", Volatile.Read(ref policy.JwksRefreshes));
        writer.Family("fastproxy_jwks_refresh_failures_total", MetricType.Counter, "Failed JWKS refreshes (the last good key set keeps serving up to max_key_age_seconds).");
        writer.Sample("fastproxy_jwks_refresh_failures_total", Volatile.Read(ref policy.JwksFailures));
        writer.Family("fastproxy_key_refresh_retries_total", MetricType.Counter, "Requests answered 'retry' while an unknown-kid key refresh ran.");
        writer.Sample("fastproxy_key_refresh_retries_total", Volatile.Read(ref policy.KeyRefreshRetries));
        writer.Family("fastproxy_token_verifications_off_loop_total", MetricType.Counter, "Cache-miss tokens verified on the thread pool instead of an event-loop thread.");
        writer.Sample("fastproxy_token_verifications_off_loop_total", Volatile.Read(ref policy.OffLoopVerifications));
    }

    private static void WriteHost(PrometheusTextWriter writer, MetricsSources sources)
    {
        if (sources.Host is not { } host)
        {
            return;
        }

        writer.Family("fastproxy_config_reloads_total", MetricType.Counter, "Configuration reloads by result (success: swapped in; failure: rejected, the old config keeps serving).");
        writer.Sample("fastproxy_config_reloads_total", Volatile.Read(ref host.ReloadsSucceeded), ("result", "success"));
        writer.Sample("fastproxy_config_reloads_total", Volatile.Read(ref host.ReloadsFailed), ("result", "failure"));
    }

    private static void WriteTls(PrometheusTextWriter writer, MetricsSources sources)
    {
        if (sources.Tls is not { } tls)
        {
            return;
        }

        writer.Family("fastproxy_tls_handshakes_total", MetricType.Counter, "Completed TLS handshakes on the TLS listeners.");
        writer.Sample("fastproxy_tls_handshakes_total", Volatile.Read(ref tls.Completed));
        writer.Family("fastproxy_tls_rejected_connections_total", MetricType.Counter, "Connections to a TLS listener closed before any request, by reason (plaintext_http, not_tls, handshake_failed, handshake_timeout).");
        writer.Sample("fastproxy_tls_rejected_connections_total", Volatile.Read(ref tls.PlaintextHttp), ("reason", "plaintext_http"));
        writer.Sample("fastproxy_tls_rejected_connections_total", Volatile.Read(ref tls.NotTls), ("reason", "not_tls"));
        writer.Sample("fastproxy_tls_rejected_connections_total", Volatile.Read(ref tls.HandshakeFailed), ("reason", "handshake_failed"));
        writer.Sample("fastproxy_tls_rejected_connections_total", Volatile.Read(ref tls.HandshakeTimeout), ("reason", "handshake_timeout"));
        writer.Family("fastproxy_tls_certificate_reload_failures_total", MetricType.Counter, "Reloads whose TLS certificate, key or CA files did not load (the previous certificates keep serving).");
        writer.Sample("fastproxy_tls_certificate_reload_failures_total", Volatile.Read(ref tls.CertificateReloadsFailed));
    }

    private static void WriteUpstreamTls(PrometheusTextWriter writer, MetricsSources sources)
    {
        if (sources.UpstreamTls is not { } tls)
        {
            return;
        }

        writer.Family("fastproxy_upstream_tls_handshakes_total", MetricType.Counter, "TLS handshakes with upstreams, by result (ok, certificate_rejected, failed, timeout); every failure is a failed connect (502/504).");
        writer.Sample("fastproxy_upstream_tls_handshakes_total", Volatile.Read(ref tls.Completed), ("result", "ok"));
        writer.Sample("fastproxy_upstream_tls_handshakes_total", Volatile.Read(ref tls.CertificateRejected), ("result", "certificate_rejected"));
        writer.Sample("fastproxy_upstream_tls_handshakes_total", Volatile.Read(ref tls.HandshakeFailed), ("result", "failed"));
        writer.Sample("fastproxy_upstream_tls_handshakes_total", Volatile.Read(ref tls.HandshakeTimeout), ("result", "timeout"));
    }

    private static void WriteAudit(PrometheusTextWriter writer, MetricsSources sources)
    {
        if (sources.Audit is not { } auditOf)
        {
            return;
        }

        var audit = auditOf();
        writer.Family("fastproxy_audit_records_written_total", MetricType.Counter, "Audit records written to the sink.");
        writer.Sample("fastproxy_audit_records_written_total", audit.Written);
        writer.Family("fastproxy_audit_records_dropped_total", MetricType.Counter, "Audit records lost because the audit queue was full.");
        writer.Sample("fastproxy_audit_records_dropped_total", audit.Dropped);
        writer.Family("fastproxy_audit_sink_failures_total", MetricType.Counter, "Audit sink write failures (disk full, unwritable path).");
        writer.Sample("fastproxy_audit_sink_failures_total", audit.SinkFailures);
        writer.Family("fastproxy_audit_queue_depth", MetricType.Gauge, "Audit records waiting to be written.");
        writer.Sample("fastproxy_audit_queue_depth", audit.QueueDepth);
    }

    private static void ForEachEndpoint(IReadOnlyList<UpstreamCluster> clusters, Action<UpstreamCluster, UpstreamEndpoint> write)
    {
        foreach (var cluster in clusters)
        {
            foreach (var endpoint in cluster.Endpoints)
            {
                write(cluster, endpoint);
            }
        }
    }

    private static bool HasAny(ReadOnlySpan<long> counts)
    {
        foreach (var count in counts)
        {
            if (count != 0)
            {
                return true;
            }
        }

        return false;
    }
}
