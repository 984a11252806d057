using FastProxy.Policy.Upstream;
using Microsoft.Extensions.Logging;

namespace FastProxy.Policy;

/// <summary>How <see cref="PolicyCompiler"/> builds a policy.</summary>
public sealed class PolicyCompileOptions
{
    /// <summary>Directory that relative key file paths are resolved against (the config file's directory).</summary>
    public string BaseDirectory { get; init; } = Environment.CurrentDirectory;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Handler for JWKS / discovery requests (tests inject one); null uses a SocketsHttpHandler.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Fetch remote keys before the policy is ready. Off for `policy test` / `explain` with claims only.</summary>
    public bool FetchKeys { get; init; } = true;

    /// <summary>Run the document's `tests:` and refuse the document when one fails.</summary>
    public bool RunTests { get; init; } = true;

    /// <summary>Overrides identity.token_cache.size (CLI `--token-cache-size`; 0 turns the cache off).</summary>
    public int? TokenCacheSize { get; init; }

    /// <summary>Share one instance across reloads so counters survive a swap.</summary>
    public PolicyCounters Counters { get; init; } = new();

    /// <summary>The proxy's assertion signing key; share one across reloads. Generated when a route needs one and none is given.</summary>
    public ProxyAssertionKey? AssertionKey { get; init; }

    /// <summary>`iss` of the assertions the proxy signs.</summary>
    public string AssertionIssuer { get; init; } = "fastproxy";

    /// <summary>
    /// The policy this compile will replace (reload). When a remote provider's keys cannot be fetched
    /// and the previous policy has a usable key set for the same provider (name, issuer, location), the
    /// new policy starts from it (a warning, not an error), so a reload during an IdP outage is not
    /// refused; the key age limit still counts from the last successful fetch.
    /// </summary>
    public CompiledPolicy? Previous { get; init; }

    /// <summary>
    /// A token the cache does not hold is verified on the thread pool, not on the caller's thread (the proxy's event
    /// loop, where one signature check would stall every connection of that loop): the gate answers Retry with the
    /// verification as its pending work, and the second evaluation takes its result. Cached tokens and the no-cache
    /// setting decide inline. Off by default: a library caller (policy tests, explain) expects a decision at once.
    /// </summary>
    public bool VerifyTokenMissesOffLoop { get; init; }

    /// <summary>Timeout of one discovery / JWKS request.</summary>
    public TimeSpan KeyFetchTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
