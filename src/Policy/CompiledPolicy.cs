using System.Text;
using FastProxy.Core.Routing;
using FastProxy.Policy.Evaluation;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Upstream;
using Microsoft.Extensions.Logging;

namespace FastProxy.Policy;

/// <summary>
/// A compiled, immutable policy: routes with compiled rules, identity providers with their keys,
/// and the validated-token cache. Built by <see cref="PolicyCompiler"/>, served by
/// <see cref="PolicyGate"/>, swapped whole on reload. Dispose it (after the swap) to stop its key
/// refresh timers.
/// </summary>
public sealed partial class CompiledPolicy : IAsyncDisposable
{
    private readonly CompiledRoute[] _routes;
    private readonly IdentityProvider[] _providers;
    private readonly JwsValidator _jws;
    private readonly TokenCache _cache;
    private readonly ClaimTable _claims;
    private readonly TimeProvider _time;
    private readonly int _maxTokenBytes;
    private readonly byte[]? _cookieName;
    private readonly HttpClient? _ownedHttp;

    internal CompiledPolicy(
        string version,
        CompiledRoute[] routes,
        RouteTable routeTable,
        IdentityProvider[] providers,
        ClaimTable claims,
        TokenCache cache,
        int maxTokenBytes,
        string? cookieName,
        TimeProvider time,
        PolicyCounters counters,
        ProxyAssertionKey? assertionKey,
        ILogger logger,
        HttpClient? ownedHttp)
    {
        Version = version;
        _routes = routes;
        Routes = routeTable;
        _providers = providers;
        _claims = claims;
        _cache = cache;
        _maxTokenBytes = maxTokenBytes;
        _cookieName = cookieName is null ? null : Encoding.ASCII.GetBytes(cookieName);
        _time = time;
        Counters = counters;
        AssertionKey = assertionKey;
        Logger = logger;
        _ownedHttp = ownedHttp;
        _jws = new JwsValidator(providers, logger);

        // The assertion header is always listed: upstreams may trust it, so no client may send one.
        var names = new List<string> { RouteUpstreamPlan.AssertionHeader };
        foreach (var route in routes)
        {
            foreach (var name in route.Upstream?.HeaderNames ?? [])
            {
                if (!names.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    names.Add(name);
                }
            }
        }

        InjectedHeaderNames = names;
    }

    /// <summary>Content hash of the document (and static key material), lower-case hex: decisions carry it.</summary>
    public string Version { get; }

    public int RouteCount => _routes.Length;

    /// <summary>The route matcher (route index = position in the document's routes).</summary>
    public RouteTable Routes { get; }

    public PolicyCounters Counters { get; }

    /// <summary>
    /// Every header name any route injects upstream (lower-case), plus the assertion header always.
    /// The forwarder strips inbound copies of these from every request, so a client can never forge them.
    /// </summary>
    public IReadOnlyList<string> InjectedHeaderNames { get; }

    /// <summary>The proxy's JWKS document for upstreams verifying assertions; "{\"keys\":[]}" without a key.</summary>
    public string ProxyJwksJson => AssertionKey?.JwksJson ?? "{\"keys\":[]}";

    public int TokenCacheCapacity => _cache.Capacity;

    internal ProxyAssertionKey? AssertionKey { get; }

    internal ILogger Logger { get; }

    internal IReadOnlyList<IdentityProvider> Providers => _providers;

    internal ClaimTable Claims => _claims;

    internal TimeProvider Time => _time;

    internal CompiledRoute GetRoute(int index) => _routes[index];

    public string RouteId(int index) => _routes[index].Id;

    public string RouteCluster(int index) => _routes[index].Cluster;

    /// <summary>Header names route <paramref name="index"/> injects upstream.</summary>
    public IReadOnlyList<string> GetInjectedHeaderNames(int index) => _routes[index].Upstream?.HeaderNames ?? [];

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        _ownedHttp?.Dispose();
    }
}
