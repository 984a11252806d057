using FastProxy.Host.Metrics;
using FastProxy.Host.Proxy;
using FastProxy.Policy;

namespace FastProxy.Host.Admin;

/// <summary>
/// What the admin endpoint reads, each value fetched when a request asks for it. The host fills
/// it (<see cref="ForHost"/>) so the admin server depends on no proxy internals.
/// </summary>
public sealed class AdminState
{
    /// <summary>Proxy assertion key set served when the proxy signs no assertions.</summary>
    public const string EmptyJwks = "{\"keys\":[]}";

    /// <summary>/readyz answers 200 while this is true, 503 otherwise (starting, draining).</summary>
    public required Func<bool> IsReady { get; init; }

    /// <summary>The effective configuration as JSON, secrets already redacted (/config); null: 404.</summary>
    public Func<string>? ConfigJson { get; init; }

    /// <summary>The proxy's assertion verification keys as a JWKS document (/.well-known/jwks.json).</summary>
    public Func<string>? JwksJson { get; init; }

    /// <summary>Source of /metrics; null: 404.</summary>
    public ProxyMetrics? Metrics { get; init; }

    /// <summary>Everything read from a running <see cref="ProxyHost"/>.</summary>
    public static AdminState ForHost(ProxyHost host, ProxyMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new AdminState
        {
            IsReady = () => host.IsReady,
            ConfigJson = () => ConfigRedactor.ToRedactedJson(host.Config),
            JwksJson = () => host.Gate is PolicyGate gate ? gate.ProxyJwksJson : EmptyJwks,
            Metrics = metrics,
        };
    }
}
