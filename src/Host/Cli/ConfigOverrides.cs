using FastProxy.Host.Config;

namespace FastProxy.Host.Cli;

/// <summary>
/// Applies command-line flags over a loaded configuration: each flag replaces one value (`--listen`
/// replaces all listeners). <see cref="ConfigLoader.Load(string, CliInvocation)"/> validates the
/// result and blames the flag, not the file, for an overridden value that is wrong.
/// </summary>
public static class ConfigOverrides
{
    /// <summary>Each flag and the document path it overrides.</summary>
    private static readonly (string Flag, string Path, Func<CliInvocation, bool> IsSet)[] Map =
    [
        ("--listen", "listeners", static c => c.Listen.Count > 0),
        ("--max-connections", "limits.max_connections", static c => c.MaxConnections.HasValue),
        ("--max-header-bytes", "limits.max_header_bytes", static c => c.MaxHeaderBytes.HasValue),
        ("--header-timeout", "timeouts.header_seconds", static c => c.HeaderTimeoutSeconds.HasValue),
        ("--idle-timeout", "timeouts.idle_seconds", static c => c.IdleTimeoutSeconds.HasValue),
        ("--connect-timeout", "timeouts.connect_seconds", static c => c.ConnectTimeoutSeconds.HasValue),
        ("--response-timeout", "timeouts.response_seconds", static c => c.ResponseTimeoutSeconds.HasValue),
        ("--drain-timeout", "timeouts.drain_seconds", static c => c.DrainTimeoutSeconds.HasValue),
        ("--token-cache-size", "identity.token_cache.size", static c => c.TokenCacheSize.HasValue),
        ("--log-level", "log.level", static c => c.LogLevel is not null),
        ("--admin", "admin.address", static c => c.AdminAddress is not null),
        ("--tls-cert", "listeners", static c => c.TlsCertificate is not null),
    ];

    /// <summary>A copy of <paramref name="config"/> with every flag given in <paramref name="cli"/> applied; the input is not changed.</summary>
    public static FastProxyConfig ApplyOverrides(FastProxyConfig config, CliInvocation cli)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(cli);

        var result = config;
        if (cli.Listen.Count > 0)
        {
            var listeners = new List<ListenerConfig>(cli.Listen.Count);
            foreach (var address in cli.Listen)
            {
                listeners.Add(new ListenerConfig { Address = address });
            }

            result = result with { Listeners = listeners };
        }

        if (cli.TlsCertificate is not null && cli.TlsKey is not null)
        {
            // Every listener serves TLS with this certificate; other tls: settings of the file are kept.
            result = result with
            {
                Listeners = [.. result.Listeners.Select(l => l with { Tls = (l.Tls ?? new TlsListenerConfig()) with { Certificate = cli.TlsCertificate, Key = cli.TlsKey } })],
            };
        }

        var limits = result.Limits ?? new LimitsConfig();
        result = result with
        {
            Limits = limits with
            {
                MaxConnections = cli.MaxConnections ?? limits.MaxConnections,
                MaxHeaderBytes = cli.MaxHeaderBytes ?? limits.MaxHeaderBytes,
            },
        };

        var timeouts = result.Timeouts ?? new TimeoutsConfig();
        result = result with
        {
            Timeouts = timeouts with
            {
                HeaderSeconds = cli.HeaderTimeoutSeconds ?? timeouts.HeaderSeconds,
                IdleSeconds = cli.IdleTimeoutSeconds ?? timeouts.IdleSeconds,
                ConnectSeconds = cli.ConnectTimeoutSeconds ?? timeouts.ConnectSeconds,
                ResponseSeconds = cli.ResponseTimeoutSeconds ?? timeouts.ResponseSeconds,
                DrainSeconds = cli.DrainTimeoutSeconds ?? timeouts.DrainSeconds,
            },
        };

        if (cli.TokenCacheSize is { } size)
        {
            var identity = result.Identity ?? new();
            result = result with { Identity = identity with { TokenCache = (identity.TokenCache ?? new()) with { Size = size } } };
        }

        if (cli.LogLevel is { } level)
        {
            result = result with { Log = (result.Log ?? new()) with { Level = level } };
        }

        if (cli.AdminAddress is { } admin)
        {
            result = result with { Admin = (result.Admin ?? new()) with { Address = admin } };
        }

        return result;
    }

    /// <summary>The flag that set the value at <paramref name="path"/>, or null when the value came from the file.</summary>
    internal static string? FlagFor(string path, CliInvocation cli)
    {
        foreach (var (flag, prefix, isSet) in Map)
        {
            if (isSet(cli) && path.StartsWith(prefix, StringComparison.Ordinal)
                && (path.Length == prefix.Length || path[prefix.Length] is '.' or '['))
            {
                return flag;
            }
        }

        return null;
    }
}
