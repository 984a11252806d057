using System.Net;
using System.Runtime;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Limits;
using FastProxy.Core.Routing;
using FastProxy.Core.Timing;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.ProxyProtocol;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Core.Upstream;
using FastProxy.Host.Config;
using FastProxy.Http.Http1;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Proxy;
using FastProxy.Policy;
using FastProxy.Policy.Upstream;
using FastProxy.Tls.Certificates;
using FastProxy.Tls.Client;
using FastProxy.Tls.Server;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Proxy;

/// <summary>
/// The running proxy: listeners, the HTTP/1.1 handler, and the current runtime snapshot
/// (routes, clusters, gate). Reload builds and validates a complete new snapshot first and
/// swaps it atomically; a bad configuration leaves the old one serving.
/// </summary>
public sealed class ProxyHost : IAsyncDisposable
{
    private const string ForwardedClientCertHeader = "x-forwarded-client-cert";

    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ILogger _tlsLogger;
    private readonly ProxyHostOptions _options;
    private readonly Heartbeat _heartbeat;
    private readonly IdleMemoryReclaimer _reclaimer;
    private readonly SocketConnectionOptions _connectionOptions;
    private readonly SemaphoreSlim _reloadLock = new(1, 1);

    // Shared by every policy this host compiles, so counters and the proxy's signing key
    // survive reloads.
    private readonly PolicyCounters _counters = new();
    private readonly ProxyAssertionKey _assertionKey = ProxyAssertionKey.Generate();
    private ConnectionListener? _listener;

    // Per listener (config order): its TLS, reloadable in place; null for a plain-text listener.
    private ReloadableServerTls?[] _listenerTls = [];

    // Whether each listener serves HTTP/2 (protocol h2c or auto), as started: ALPN on reload keeps to it.
    private bool[]? _listenerServesHttp2;
    private volatile ProxyRuntime _runtime = null!;
    private Snapshot _snapshot = null!;
    private FastProxyConfig _config;
    private volatile bool _draining;

    private ProxyHost(FastProxyConfig config, ProxyHostOptions options, ILoggerFactory loggers)
    {
        _config = config;
        _options = options;
        _loggers = loggers;
        _logger = loggers.CreateLogger("FastProxy.Host");
        _tlsLogger = loggers.CreateLogger("FastProxy.Tls");
        _heartbeat = new Heartbeat(options.Time, TimeSpan.FromSeconds(1));
        _connectionOptions = new SocketConnectionOptions
        {
            Heartbeat = _heartbeat,
            Time = options.Time,
            Logger = loggers.CreateLogger("FastProxy.Core.Transport"),
            Epoll = options.UseEpoll ? EpollEngine.Shared(loggers.CreateLogger("FastProxy.Core.Transport")) : null,
        };
        _reclaimer = new IdleMemoryReclaimer(PinnedBlockMemoryPool.Shared, TimeSpan.FromSeconds(2), options.Time, _connectionOptions.Logger);
    }

    public IReadOnlyList<IPEndPoint> BoundEndPoints => _listener?.BoundEndPoints ?? [];

    public int ActiveConnections => _listener?.ActiveConnections ?? 0;

    /// <summary>PROXY protocol header outcomes on the listeners that expect one (process-wide).</summary>
    public ProxyProtocolCounters ProxyProtocolCounters { get; } = new();

    /// <summary>Whether any listener expects the PROXY protocol.</summary>
    public bool HasProxyProtocolListeners => _config.Listeners.Any(l => l.ProxyProtocol is not null);

    /// <summary>Client connections closed at accept by `limits.max_connections_per_address`.</summary>
    public long ConnectionsRefusedPerAddress => _listener?.RefusedPerAddress ?? 0;

    /// <summary>Accepts that waited for `limits.max_accepts_per_second`.</summary>
    public long AcceptsDelayed => _listener?.AcceptsDelayed ?? 0;

    /// <summary>HTTP/1.1 requests answered 429 by `limits.max_requests_per_connection_per_second`.</summary>
    public RateLimitedRequests Http1RateLimited { get; } = new();

    /// <summary>HTTP/2 streams answered 429 by `limits.max_requests_per_connection_per_second`.</summary>
    public RateLimitedRequests Http2RateLimited { get; } = new();

    public string PolicyVersion => _snapshot.Policy?.Version ?? "none";

    public PolicyCounters PolicyCounters => _counters;

    public HostCounters Counters { get; } = new();

    /// <summary>Handshake outcomes of the TLS listeners (shared across reloads).</summary>
    public TlsHandshakeCounters TlsCounters { get; } = new();

    /// <summary>Handshake outcomes of the TLS connections to upstreams (shared across reloads and clusters).</summary>
    public UpstreamTlsCounters UpstreamTlsCounters { get; } = new();

    /// <summary>True when a cluster of the configuration in force speaks TLS to its upstreams.</summary>
    public bool HasTlsClusters => _config.Clusters.Values.Any(c => c?.Tls is not null);

    /// <summary>True when a listener terminates TLS.</summary>
    public bool HasTlsListeners => _listenerTls.Any(t => t is not null);

    /// <summary>Ready: configuration compiled, keys loaded, listeners bound, not draining.</summary>
    public bool IsReady => _listener is not null && !_draining;

    /// <summary>The configuration in force (for the admin endpoint; secrets are redacted there).</summary>
    public FastProxyConfig Config => _config;

    /// <summary>The upstream clusters of the configuration in force.</summary>
    public IReadOnlyList<UpstreamCluster> Clusters => _snapshot.Clusters;

    /// <summary>The gate in use (a <see cref="PolicyGate"/> unless the proxy runs without authentication).</summary>
    public IRequestGate Gate => _runtime.Gate;

    public static async Task<ProxyHost> StartAsync(FastProxyConfig config, ProxyHostOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        var host = new ProxyHost(config, options, loggers);
        try
        {
            var snapshot = await host.BuildSnapshotAsync(config, previous: null, cancellationToken);
            host._snapshot = snapshot;
            host._runtime = snapshot.Runtime;
            host._listenerTls = host.BuildListenerTls(config);
            await host.StartListenersAsync(config, cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Validates, compiles and swaps in a new configuration; throws <see cref="ConfigRejectedException"/> and keeps the old one when it is bad.</summary>
    public async Task ReloadAsync(FastProxyConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        await _reloadLock.WaitAsync(cancellationToken);
        try
        {
            var old = _snapshot;
            Snapshot next;
            try
            {
                next = await BuildSnapshotAsync(config, old.Policy, cancellationToken);
            }
            catch (ConfigRejectedException)
            {
                Interlocked.Increment(ref Counters.ReloadsFailed);
                throw;
            }

            if (!SameListeners(_config, config))
            {
                HostLog.ListenersNeedRestart(_logger);
            }
            else
            {
                ReloadListenerTls(config);
            }

            _snapshot = next;
            _runtime = next.Runtime;
            _config = config;
            Interlocked.Increment(ref Counters.ReloadsSucceeded);
            HostLog.Reloaded(_logger, next.Runtime.Routes.Count, PolicyVersion);

            // Requests in flight keep the old snapshot until they finish; its pools close once
            // they can no longer be in use.
            _ = RetireAsync(old, next);
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    public async Task StopAsync()
    {
        _draining = true;
        var drain = TimeSpan.FromSeconds(_config.Timeouts.DrainSeconds);
        HostLog.Draining(_logger, drain.TotalSeconds);
        if (_listener is not null)
        {
            await _listener.StopAsync(drain);
        }

        HostLog.Stopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        if (_snapshot is not null)
        {
            await _snapshot.DisposeAsync();
        }

        _heartbeat.Dispose();
        _reclaimer.Dispose();
        _reloadLock.Dispose();
        _assertionKey.Dispose();
    }

    private async Task StartListenersAsync(FastProxyConfig config, CancellationToken cancellationToken)
    {
        var endpoints = config.Listeners.Select(l => EndpointParser.ParseListen(l.Address)).ToList();
        var httpOptions = BuildHttpOptions(config, _options.Time, Http1RateLimited);
        var httpLogger = _loggers.CreateLogger("FastProxy.Http.Proxy");
        var http1 = new Http1ConnectionHandler(() => _runtime, httpOptions, httpLogger);
        ConnectionHandler? http2 = null;
        Http1ConnectionHandler? both = null;
        _listenerServesHttp2 = [.. config.Listeners.Select(ServesHttp2)];
        if (_listenerServesHttp2.Any(serves => serves))
        {
            http2 = Http2ProxyHandler.Create(() => _runtime, httpOptions, BuildHttp2Options(config, _options.Time, () => _runtime.RequestRate, Http2RateLimited), _loggers).HandleAsync;
            both = new Http1ConnectionHandler(() => _runtime, httpOptions, httpLogger, http2);
        }

        // One pipeline per listener: connection middleware (TLS, when a listener has it), then the protocol handler.
        // Built once here; a connection costs no delegate of its own.
        var listeners = new ListenerInfo[endpoints.Count];
        var pipelines = new ConnectionHandler[endpoints.Count];
        for (var i = 0; i < endpoints.Count; i++)
        {
            var pipeline = new ConnectionPipelineBuilder();
            if (config.Listeners[i].ProxyProtocol is { } proxyProtocol)
            {
                // First: the balancer sends the header in clear, before the client's TLS bytes.
                var reader = new ProxyProtocolMiddleware(ProxyProtocolNetworks.ParseAll(proxyProtocol.Trusted), TimeSpan.FromSeconds(proxyProtocol.HeaderSeconds), ProxyProtocolCounters, _loggers.CreateLogger("FastProxy.Core.Transport"));
                pipeline.Use(reader.Wrap);
            }

            var scheme = ListenerInfo.HttpScheme;
            if (_listenerTls[i] is { } tls)
            {
                scheme = ListenerInfo.HttpsScheme;
                var middleware = new TlsConnectionMiddleware(tls, ListenerTls.HandshakeTimeout(config.Listeners[i].Tls!), TlsCounters, PinnedBlockMemoryPool.Shared, _tlsLogger);
                pipeline.Use(middleware.Wrap);
            }

            listeners[i] = new ListenerInfo(i, config.Listeners[i].Address, endpoints[i], scheme);
            // http1: HTTP/1.1 only; h2c: HTTP/2 only (a connection without the preface gets GOAWAY PROTOCOL_ERROR);
            // auto: the preface or ALPN h2 picks HTTP/2, anything else is HTTP/1.1.
            var protocol = config.Listeners[i].Protocol switch
            {
                ListenerProtocols.H2c => http2!,
                ListenerProtocols.Auto => both!.HandleAsync,
                _ => http1.HandleAsync,
            };
            pipelines[i] = pipeline.Build(protocol);
        }

        _listener = new ConnectionListener(
            new ConnectionListenerOptions
            {
                Endpoints = endpoints,
                Listeners = listeners,
                MaxConnections = config.Limits.MaxConnections,
                MaxConnectionsPerAddress = config.Limits.MaxConnectionsPerAddress,
                MaxAcceptsPerSecond = config.Limits.MaxAcceptsPerSecond,
                ConnectionOptions = _connectionOptions,
            },
            pipelines,
            _loggers.CreateLogger("FastProxy.Core.Transport"));
        await _listener.StartAsync(cancellationToken);
    }

    /// <summary>Loads every TLS listener's certificates; any that fails rejects the configuration (at start).</summary>
    private ReloadableServerTls?[] BuildListenerTls(FastProxyConfig config)
    {
        var result = new ReloadableServerTls?[config.Listeners.Count];
        var errors = new List<string>();
        for (var i = 0; i < result.Length; i++)
        {
            if (config.Listeners[i].Tls is not { } tls)
            {
                continue;
            }

            var factory = ListenerTls.TryBuild(tls, _options.BaseDirectory, _tlsLogger, _options.Time, ServesHttp2(config.Listeners[i]), out var error);
            if (factory is null)
            {
                errors.Add($"listeners[{i}].tls: {error}");
                continue;
            }

            result[i] = new ReloadableServerTls(factory);
        }

        if (errors.Count > 0)
        {
            throw new ConfigRejectedException(errors);
        }

        return result;
    }

    /// <summary>
    /// Re-reads every TLS listener's certificate, key and CA files. A listener whose files no longer load keeps its
    /// current certificates (logged, counted); open connections are untouched either way.
    /// </summary>
    private void ReloadListenerTls(FastProxyConfig config)
    {
        for (var i = 0; i < _listenerTls.Length && i < config.Listeners.Count; i++)
        {
            if (_listenerTls[i] is not { } current)
            {
                continue;
            }

            if (config.Listeners[i].Tls is not { } tls)
            {
                HostLog.ListenersNeedRestart(_logger);
                continue;
            }

            // The protocols stay those the listener was started with (a listener is not rebound on reload).
            var offerHttp2 = _listenerServesHttp2 is { } started && i < started.Length ? started[i] : ServesHttp2(config.Listeners[i]);
            if (!current.TryReload(() => ListenerTls.Build(tls, _options.BaseDirectory, _tlsLogger, _options.Time, offerHttp2), out var error))
            {
                Interlocked.Increment(ref TlsCounters.CertificateReloadsFailed);
                HostLog.TlsReloadRejected(_logger, config.Listeners[i].Address, error ?? "unknown error");
            }
        }
    }

    private static bool ServesHttp2(ListenerConfig listener) => listener.Protocol is ListenerProtocols.H2c or ListenerProtocols.Auto;

    /// <summary>The HTTP/2 limits (`http2:`); the head deadline and the drain are HTTP/1.1's (`timeouts:`).</summary>
    private static Http2ConnectionOptions BuildHttp2Options(FastProxyConfig config, TimeProvider time, Func<RequestRateLimit> requestRate, RateLimitedRequests rateLimited) => new()
    {
        RequestRate = requestRate,
        RateLimited = rateLimited,
        MaxConcurrentStreams = config.Http2.MaxConcurrentStreams,
        InitialStreamWindowSize = config.Http2.InitialWindowSize,
        ConnectionWindowSize = config.Http2.ConnectionWindowSize,
        MaxHeaderListSize = config.Http2.MaxHeaderListSize,
        HeaderTableSize = config.Http2.HeaderTableSize,
        MaxFieldBlockSize = config.Http2.MaxFieldBlockBytes,
        MaxResetsPerWindow = config.Http2.MaxResetsPerWindow,
        MaxControlFramesPerWindow = config.Http2.MaxControlFramesPerWindow,
        FloodWindow = TimeSpan.FromSeconds(config.Http2.FloodWindowSeconds),
        SendWindowStallTimeout = TimeSpan.FromSeconds(config.Http2.SendStallSeconds),
        IdleTimeout = TimeSpan.FromSeconds(config.Http2.IdleSeconds),
        HeaderTimeout = TimeSpan.FromSeconds(config.Timeouts.HeaderSeconds),
        DrainTimeout = TimeSpan.FromSeconds(config.Timeouts.DrainSeconds),
        Time = time,
    };

    private static Http1ProxyOptions BuildHttpOptions(FastProxyConfig config, TimeProvider time, RateLimitedRequests rateLimited) => new()
    {
        RateLimited = rateLimited,
        Limits = new Http1Limits(
            config.Limits.MaxRequestLineBytes,
            config.Limits.MaxHeaderBytes,
            config.Limits.MaxHeaderCount,
            Http1Limits.DefaultMaxChunkLineBytes,
            Http1Limits.DefaultMaxTrailerBytes),
        HeaderTimeout = TimeSpan.FromSeconds(config.Timeouts.HeaderSeconds),
        IdleTimeout = TimeSpan.FromSeconds(config.Timeouts.IdleSeconds),
        ResponseTimeout = TimeSpan.FromSeconds(config.Timeouts.ResponseSeconds),
        MaxRequestBodyBytes = config.Limits.MaxBodyBytes,
        Time = time,
    };

    /// <summary>
    /// Builds a complete runtime: route table, clusters and a gate of its own over the policy
    /// compiled with that same table. Nothing here is shared with the running snapshot but the
    /// counters and the signing key, and <paramref name="previous"/> only lends its key set when a
    /// fetch fails: a request that matched a route in one snapshot is judged by that snapshot's
    /// rules for that route, even after it waited for a key refresh across a reload.
    /// </summary>
    private async Task<Snapshot> BuildSnapshotAsync(FastProxyConfig config, CompiledPolicy? previous, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var clusters = new Dictionary<string, UpstreamCluster>(StringComparer.Ordinal);
        foreach (var (name, cluster) in config.Clusters)
        {
            try
            {
                clusters[name] = BuildCluster(name, cluster, config.Timeouts);
            }
            catch (FormatException ex)
            {
                errors.Add($"clusters.{name}: {ex.Message}");
            }
            catch (NotSupportedException ex)
            {
                errors.Add($"clusters.{name}.protocol: {ex.Message}");
            }
            catch (CertificateLoadException ex)
            {
                errors.Add($"clusters.{name}.tls: {ex.Message}");
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                errors.Add($"clusters.{name}.tls: TLS certificate cannot be used: {ex.Message}");
            }
        }

        var specs = new List<RouteSpec>(config.Routes.Count);
        var clusterByRoute = new List<UpstreamCluster>(config.Routes.Count);
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var route = config.Routes[i];
            specs.Add(new RouteSpec(route.Match.Host, route.Match.Path, route.Match.Methods) { CaseInsensitivePaths = route.CaseInsensitivePaths });
            if (clusters.TryGetValue(route.Cluster, out var cluster))
            {
                clusterByRoute.Add(cluster);
            }
            else
            {
                errors.Add($"routes[{i}].cluster: unknown cluster '{route.Cluster}'");
            }
        }

        CompiledPolicy? policy = null;
        if (!_options.NoAuth)
        {
            var compiled = await PolicyCompiler.CompileAsync(
                config.ToPolicyDocument(),
                new PolicyCompileOptions { BaseDirectory = _options.BaseDirectory, Time = _options.Time, LoggerFactory = _loggers, Counters = _counters, AssertionKey = _assertionKey, Previous = previous, VerifyTokenMissesOffLoop = true },
                cancellationToken);
            foreach (var warning in compiled.Warnings)
            {
                HostLog.PolicyWarning(_logger, warning.Path, warning.Message);
            }

            errors.AddRange(compiled.Errors.Select(e => $"{e.Path}: {e.Message}"));
            foreach (var test in compiled.TestResults.Where(t => !t.Passed))
            {
                errors.Add($"tests: '{test.Name}' failed: {test.Detail}");
            }

            policy = compiled.Policy;
            if (policy is null && errors.Count == 0)
            {
                errors.Add("policy: the policy did not compile");
            }
        }

        // Routes are compiled once: the policy's own table (its route indexes are the ones its
        // rules are filed under) is the table requests are matched with.
        var table = policy?.Routes;
        if (_options.NoAuth)
        {
            try
            {
                table = new RouteTable(specs);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"routes: {ex.Message}");
            }
        }

        if (errors.Count > 0 || table is null)
        {
            foreach (var cluster in clusters.Values)
            {
                await cluster.DisposeAsync();
            }

            if (policy is not null)
            {
                await policy.DisposeAsync();
            }

            throw new ConfigRejectedException(errors);
        }

        // A gate per snapshot, never a shared one swapped in place: the running snapshot's requests
        // (some parked waiting for keys) keep being judged by the policy their route table belongs to.
        IRequestGate gate = policy is null ? AllowAllGate.Instance : new PolicyGate(policy);

        // Every header name the proxy injects on any route is stripped from inbound requests on
        // every route: an upstream behind a public route must not trust a forged one either.
        // X-Forwarded-Client-Cert states a verified client certificate: only the proxy may ever write it (Envoy does the same).
        var injected = (policy?.InjectedHeaderNames ?? config.Routes.SelectMany(r => r.UpstreamIdentity.Headers.Keys).ToList())
            .Append(ForwardedClientCertHeader)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(k => Encoding.ASCII.GetBytes(k))
            .ToArray();
        var runtime = new ProxyRuntime(table, config.Routes.Select(r => r.Id).ToList(), clusterByRoute, gate, injected, _options.Observer, _options.DenyWhenAuditUnavailable)
        {
            WebSocketByRoute = [.. config.Routes.Select(r => r.Upgrades.Contains("websocket", StringComparer.Ordinal))],
            ForwardClientCertByRoute = [.. config.Routes.Select(r => r.ForwardClientCert)],
            GrpcByRoute = [.. config.Routes.Select(r => r.Grpc)],
            RequestRate = new RequestRateLimit(config.Limits.MaxRequestsPerConnectionPerSecond, config.Limits.RequestBurstPerConnection),
        };
        return new Snapshot(runtime, [.. clusters.Values], policy);
    }

    private UpstreamCluster BuildCluster(string name, ClusterConfig cluster, TimeoutsConfig timeouts)
    {
        var endpoints = cluster.Endpoints.Select(EndpointParser.Parse).ToList();
        var balance = string.Equals(cluster.Balance, BalanceModes.LeastRequests, StringComparison.Ordinal) ? BalancePolicy.LeastRequests : BalancePolicy.RoundRobin;
        var protocol = UpstreamProtocols.IsHttp2(cluster.Protocol) ? UpstreamProtocol.Http2 : UpstreamProtocol.Http1;
        var http2 = protocol == UpstreamProtocol.Http2 ? BuildHttp2Options(cluster.Http2 ?? new ClusterHttp2Config()) : null;
        var pool = new UpstreamPoolOptions
        {
            Protocol = protocol,
            MultiplexedPoolFactory = http2 is null ? null : MultiplexedPoolFactory(http2),
            MaxConnectionsPerEndpoint = cluster.MaxConnectionsPerEndpoint,
            MaxIdlePerEndpoint = cluster.MaxIdlePerEndpoint ?? cluster.MaxConnectionsPerEndpoint,
            MaxPendingRequestsPerEndpoint = cluster.MaxPendingRequestsPerEndpoint,
            MaxConnectionsPerCluster = cluster.MaxConnections,
            MaxPendingRequestsPerCluster = cluster.MaxPendingRequests,
            ConnectTimeout = TimeSpan.FromSeconds(timeouts.ConnectSeconds),
            EjectAfterConsecutiveFailures = cluster.EjectAfterFailures,
            EjectionDuration = TimeSpan.FromSeconds(cluster.EjectSeconds),
            TrialBackoff = TimeSpan.FromSeconds(cluster.TrialSeconds),
            PanicThresholdPercent = cluster.PanicThresholdPercent,
            ConnectionOptions = _connectionOptions,
            Connector = BuildConnector(cluster),
        };
        return new UpstreamCluster(name, endpoints, balance, pool, _options.Time, _loggers.CreateLogger("FastProxy.Core.Upstream"));
    }

    /// <summary>The cluster's `http2:` keys as the upstream pool's options (validated ranges; seconds as durations, 0 = off for the ping).</summary>
    private static Http2UpstreamOptions BuildHttp2Options(ClusterHttp2Config http2) => new()
    {
        MaxConcurrentStreamsPerConnection = http2.MaxConcurrentStreams,
        InitialStreamWindowSize = http2.InitialWindowSize,
        ConnectionWindowSize = http2.ConnectionWindowSize,
        MaxHeaderListSize = http2.MaxHeaderListSize,
        HeaderTableSize = http2.HeaderTableSize,
        MaxFieldBlockSize = http2.MaxFieldBlockBytes,
        PingInterval = TimeSpan.FromSeconds(http2.PingIntervalSeconds),
        PingTimeout = TimeSpan.FromSeconds(http2.PingTimeoutSeconds),
        DrainTimeout = TimeSpan.FromSeconds(http2.DrainSeconds),
    };

    /// <summary>The multiplexed pool of an HTTP/2 cluster's endpoints (streams on a few connections each).</summary>
    private static Func<MultiplexedPoolContext, IMultiplexedUpstreamPool> MultiplexedPoolFactory(Http2UpstreamOptions options)
        => Http2UpstreamPoolFactory.Create(options);

    /// <summary>Plain TCP, or TLS over it when the cluster has `tls:` (never a plaintext fallback when TLS fails).</summary>
    private IUpstreamConnector BuildConnector(ClusterConfig cluster)
    {
        var tcp = new TcpUpstreamConnector(_connectionOptions);
        if (cluster.Tls is not { } tls)
        {
            return tcp;
        }

        var options = ClusterTls.Build(tls, _options.BaseDirectory, _tlsLogger, _options.Time, cluster.Protocol);
        return new TlsUpstreamConnector(tcp, options, UpstreamTlsCounters, PinnedBlockMemoryPool.Shared, _options.Time, _tlsLogger);
    }

    private async Task RetireAsync(Snapshot old, Snapshot next)
    {
        // Longest a request admitted under the old snapshot can still be using its pools.
        var grace = TimeSpan.FromSeconds(_config.Timeouts.ResponseSeconds + _config.Timeouts.IdleSeconds);
        await Task.Delay(grace, _options.Time, CancellationToken.None);
        foreach (var cluster in old.Clusters)
        {
            await cluster.DisposeAsync();
        }

        if (old.Policy is not null && !ReferenceEquals(old.Policy, next.Policy))
        {
            await old.Policy.DisposeAsync();
        }

        // The retired snapshot is garbage now, but old: its token cache (a large-object array) and pools were promoted
        // long ago, and gen2 collections are rare in a process that allocates nothing per request, so without this
        // every reload would stay in RSS until one happens. One compacting collection per reload, well after it, when
        // nothing of the old snapshot is in use (a 30-minute soak with a reload a minute grew RSS 5.1% without it).
        // The one departure from "never GC.Collect" (src/BannedSymbols.txt): off every request path, once per reload.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
#pragma warning disable RS0030
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
#pragma warning restore RS0030
    }

    private static bool SameListeners(FastProxyConfig a, FastProxyConfig b)
        => a.Listeners.Select(l => l.Address).SequenceEqual(b.Listeners.Select(l => l.Address), StringComparer.Ordinal);

    private sealed record Snapshot(ProxyRuntime Runtime, UpstreamCluster[] Clusters, CompiledPolicy? Policy) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var cluster in Clusters)
            {
                await cluster.DisposeAsync();
            }

            if (Policy is not null)
            {
                await Policy.DisposeAsync();
            }
        }
    }
}
