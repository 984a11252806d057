namespace FastProxy.Host.Config;

/// <summary>`clusters:`: each has at least one valid, unique endpoint, a known balance mode and sane pool settings.</summary>
internal static class ClusterValidator
{
    /// <summary>Upper bound for per-endpoint pool sizes: far above what one upstream process serves, well below fd limits.</summary>
    private const int MaxPoolSize = 100_000;

    /// <summary>Upper bound for a cluster's connections over all its endpoints: the same bound as limits.max_connections (client connections).</summary>
    private const int MaxClusterConnections = 1_000_000;

    // Each waiter is a small object and a timer; a million is far beyond what can be served within a connect timeout.
    private const int MaxPendingRequests = 1_000_000;

    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        foreach (var (name, cluster) in config.Clusters)
        {
            var path = DocumentPath.Property("clusters", name);
            if (string.IsNullOrWhiteSpace(name))
            {
                errors.Add(path, "a cluster name must not be empty");
            }

            if (cluster is null)
            {
                errors.Add(path, "a cluster must be a mapping with endpoints");
                continue;
            }

            ValidateEndpoints(cluster, DocumentPath.Property(path, "endpoints"), errors);

            ValidateProtocol(cluster, path, errors);

            if (cluster.Balance is not (BalanceModes.RoundRobin or BalanceModes.LeastRequests))
            {
                errors.Add(DocumentPath.Property(path, "balance"), $"unknown balance '{cluster.Balance}'; expected '{BalanceModes.RoundRobin}' or '{BalanceModes.LeastRequests}'");
            }

            if (cluster.MaxConnectionsPerEndpoint is < 1 or > MaxPoolSize)
            {
                errors.Add(DocumentPath.Property(path, "max_connections_per_endpoint"), $"must be from 1 to {MaxPoolSize}");
            }
            else if (cluster.MaxIdlePerEndpoint is { } maxIdle && (maxIdle < 0 || maxIdle > cluster.MaxConnectionsPerEndpoint))
            {
                errors.Add(DocumentPath.Property(path, "max_idle_per_endpoint"), "must be from 0 to max_connections_per_endpoint");
            }

            if (cluster.MaxPendingRequestsPerEndpoint is < 0 or > MaxPendingRequests)
            {
                errors.Add(DocumentPath.Property(path, "max_pending_requests_per_endpoint"), $"must be from 0 to {MaxPendingRequests}");
            }

            // A cluster-wide limit spans all endpoints: it may exceed max_connections_per_endpoint, so it has a bound of its own.
            if (cluster.MaxConnections is < 1 or > MaxClusterConnections)
            {
                errors.Add(DocumentPath.Property(path, "max_connections"), $"must be from 1 to {MaxClusterConnections}");
            }

            if (cluster.MaxPendingRequests is < 0 or > MaxPendingRequests)
            {
                errors.Add(DocumentPath.Property(path, "max_pending_requests"), $"must be from 0 to {MaxPendingRequests}");
            }

            if (cluster.EjectAfterFailures is < 1 or > 10_000)
            {
                errors.Add(DocumentPath.Property(path, "eject_after_failures"), "must be from 1 to 10000");
            }

            if (!SaneSeconds.IsValid(cluster.EjectSeconds, allowZero: false))
            {
                errors.Add(DocumentPath.Property(path, "eject_seconds"), SaneSeconds.Message(allowZero: false));
            }

            if (!SaneSeconds.IsValid(cluster.TrialSeconds, allowZero: true))
            {
                errors.Add(DocumentPath.Property(path, "trial_seconds"), SaneSeconds.Message(allowZero: true));
            }

            if (cluster.PanicThresholdPercent is < 0 or > 100)
            {
                errors.Add(DocumentPath.Property(path, "panic_threshold_percent"), "must be from 0 to 100");
            }

            if (cluster.Tls is { } tls)
            {
                ClusterTlsValidator.Validate(tls, DocumentPath.Property(path, "tls"), errors);
            }
        }
    }

    /// <summary>The protocol is known and agrees with `tls:` (h2 needs it, h2c refuses it); `http2:` only where HTTP/2 is spoken.</summary>
    private static void ValidateProtocol(ClusterConfig cluster, string path, ConfigErrorSink errors)
    {
        var protocolPath = DocumentPath.Property(path, "protocol");
        switch (cluster.Protocol)
        {
            case UpstreamProtocols.Http1:
                if (cluster.Http2 is not null)
                {
                    errors.Add(DocumentPath.Property(path, "http2"), $"`http2:` applies to HTTP/2 upstreams only; set protocol: {UpstreamProtocols.H2c} (or {UpstreamProtocols.H2} over TLS) or remove it");
                }

                break;
            case UpstreamProtocols.H2c:
                if (cluster.Tls is not null)
                {
                    errors.Add(protocolPath, $"'{UpstreamProtocols.H2c}' is HTTP/2 in clear text but the cluster has `tls:`; for HTTP/2 over TLS use protocol: {UpstreamProtocols.H2}");
                }

                break;
            case UpstreamProtocols.H2:
                if (cluster.Tls is null)
                {
                    errors.Add(protocolPath, $"'{UpstreamProtocols.H2}' is HTTP/2 over TLS and needs the cluster's `tls:` block; for HTTP/2 in clear text use protocol: {UpstreamProtocols.H2c}");
                }

                break;
            default:
                errors.Add(protocolPath, $"unknown upstream protocol '{cluster.Protocol}'; expected '{UpstreamProtocols.Http1}', '{UpstreamProtocols.H2c}' or '{UpstreamProtocols.H2}'");
                break;
        }

        if (cluster.Http2 is { } http2 && UpstreamProtocols.IsHttp2(cluster.Protocol))
        {
            ClusterHttp2Validator.Validate(http2, DocumentPath.Property(path, "http2"), errors);
        }
    }

    private static void ValidateEndpoints(ClusterConfig cluster, string path, ConfigErrorSink errors)
    {
        if (cluster.Endpoints.Count == 0)
        {
            errors.Add(path, "a cluster needs at least one endpoint, e.g. endpoints: [127.0.0.1:9001]");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < cluster.Endpoints.Count; i++)
        {
            var endpointPath = DocumentPath.Index(path, i);
            if (cluster.Endpoints[i]?.Contains("://", StringComparison.Ordinal) == true)
            {
                // A URL's scheme would say per endpoint what the cluster's `tls:` says for all of them.
                errors.Add(endpointPath, $"'{cluster.Endpoints[i]}': endpoints are host:port without a scheme; for TLS to this upstream add a `tls:` block to the cluster");
            }
            else if (!EndpointAddress.TryParseEndpoint(cluster.Endpoints[i], out var endpoint, out var error))
            {
                errors.Add(endpointPath, error);
            }
            else if (!seen.Add(endpoint.ToString()))
            {
                errors.Add(endpointPath, $"duplicate endpoint '{endpoint}'");
            }
        }
    }
}
