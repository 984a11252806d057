using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Text.Json;
using FastProxy.Policy.Config;
using FastProxy.Policy.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Policy.Identity;

/// <summary>
/// Keys from an IdP: a jwks_uri, or OIDC discovery (`{issuer}/.well-known/openid-configuration`
/// then its jwks_uri). Lifecycle:
/// - fetched before the policy is ready (<see cref="StartAsync"/> throws when impossible);
/// - refreshed every RefreshSeconds, and on an unknown kid: single-flight (one fetch at a time,
///   callers join it), rate-limited (<see cref="MinUnknownKidRefreshInterval"/>), with a negative
///   cache so a flood of bogus kids cannot hammer the IdP;
/// - while the IdP is unreachable the last good set serves until it is MaxKeyAgeSeconds old, then
///   the provider fails closed (503).
/// </summary>
internal sealed class RemoteKeySource : KeySource
{
    /// <summary>At most one unknown-kid refresh per this interval (per provider): bounded IdP load under a kid flood.</summary>
    internal static readonly TimeSpan MinUnknownKidRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>A kid still unknown after a refresh is not looked up again for this long.</summary>
    internal static readonly TimeSpan NegativeCacheTime = TimeSpan.FromSeconds(60);

    /// <summary>Negative cache bound; when full it is cleared (the rate limit still protects the IdP).</summary>
    private const int MaxNegativeEntries = 1024;

    /// <summary>A kid longer than this is garbage, never a reason to call the IdP.</summary>
    private const int MaxKidLength = 256;

    /// <summary>Discovery and JWKS documents are small; 1 MiB is far above any real one.</summary>
    private const int MaxDocumentBytes = 1 << 20;

    private readonly IdentityProviderConfig _config;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PolicyCounters _counters;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _negative = new(StringComparer.Ordinal);
    private readonly long _maxAgeTicks;
    private ITimer? _timer;
    private Task? _inflight;
    private long _lastUnknownKidLookupTicks = long.MinValue / 2;
    private Task? _unknownKidLookup;
    private long _lastSuccessTicks;
    private long _generation;
    private int _expiredLogged;

    public RemoteKeySource(IdentityProviderConfig config, HttpClient http, TimeProvider time, ILogger logger, PolicyCounters counters)
    {
        _config = config;
        _http = http;
        _time = time;
        _logger = logger;
        _counters = counters;
        _maxAgeTicks = TimeSpan.FromSeconds(config.MaxKeyAgeSeconds).Ticks;
    }

    public override bool IsRemote => true;

    public DateTimeOffset LastSuccess => new(Volatile.Read(ref _lastSuccessTicks), TimeSpan.Zero);

    public override bool IsUsable(long nowUtcTicks)
    {
        var current = Current;
        if (current is null || current.IsEmpty)
        {
            return false;
        }

        if (nowUtcTicks - Volatile.Read(ref _lastSuccessTicks) <= _maxAgeTicks)
        {
            return true;
        }

        if (Interlocked.Exchange(ref _expiredLogged, 1) == 0)
        {
            PolicyLog.KeysExpired(_logger, _config.Name, _config.MaxKeyAgeSeconds);
        }

        return false;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshCoreAsync(throwOnFailure: true, cancellationToken);
        StartTimer();
    }

    private void StartTimer()
    {
        var interval = TimeSpan.FromSeconds(_config.RefreshSeconds);
        _timer = _time.CreateTimer(static state => _ = ((RemoteKeySource)state!).RefreshAsync(), this, interval, interval);
    }

    /// <summary>Whether <paramref name="other"/> names the same keys (same provider, issuer and location).</summary>
    public bool SameSourceAs(IdentityProviderConfig other)
        => string.Equals(_config.Name, other.Name, StringComparison.Ordinal)
            && string.Equals(_config.Issuer, other.Issuer, StringComparison.Ordinal)
            && _config.Discovery == other.Discovery
            && string.Equals(_config.JwksUri, other.JwksUri, StringComparison.Ordinal);

    /// <summary>
    /// Reload while the IdP is unreachable: start from <paramref name="previous"/>'s last good key set,
    /// keeping its fetch time so the age limit still counts from the last successful fetch.
    /// </summary>
    public bool TryAdopt(RemoteKeySource previous)
    {
        var snapshot = previous.Current;
        if (snapshot is null || !previous.IsUsable(_time.GetUtcNow().UtcTicks))
        {
            return false;
        }

        Volatile.Write(ref _generation, snapshot.Generation);
        Volatile.Write(ref _lastSuccessTicks, Volatile.Read(ref previous._lastSuccessTicks));
        Publish(snapshot);
        StartTimer();
        return true;
    }

    /// <summary>Starts a refresh or joins the one running (single flight). Never faults.</summary>
    public Task RefreshAsync()
    {
        lock (_lock)
        {
            if (_inflight is { IsCompleted: false })
            {
                return _inflight;
            }

            _inflight = RefreshCoreAsync(throwOnFailure: false, CancellationToken.None);
            return _inflight;
        }
    }

    public override bool TryRefreshForUnknownKid(string kid, long nowUtcTicks, [NotNullWhen(true)] out Task? refresh)
    {
        refresh = null;
        if (kid.Length > MaxKidLength)
        {
            return false;
        }

        lock (_lock)
        {
            if (_negative.TryGetValue(kid, out var until))
            {
                if (until > nowUtcTicks)
                {
                    return false;
                }

                _negative.Remove(kid);
            }

            // The key may have arrived between the caller's miss and this lock (a lookup that
            // just finished): evaluate again rather than refuse.
            if (Current?.Knows(kid) == true)
            {
                refresh = Task.CompletedTask;
                return true;
            }

            // Everyone who meets an unknown kid while its lookup runs waits for that one lookup:
            // at a key rotation all requests carrying the new kid succeed after a single fetch.
            if (_unknownKidLookup is { IsCompleted: false })
            {
                refresh = JoinAndRecordAsync(_unknownKidLookup, kid);
                return true;
            }

            // Periodic refreshes do not count against this limit: it bounds what unknown kids
            // (possibly a flood of bogus ones) can make the proxy ask of the IdP.
            if (nowUtcTicks - _lastUnknownKidLookupTicks < MinUnknownKidRefreshInterval.Ticks)
            {
                return false;
            }

            PolicyLog.UnknownKidRefresh(_logger, _config.Name);
            _lastUnknownKidLookupTicks = nowUtcTicks;
            _unknownKidLookup = LookUpUnknownKidAsync();
            refresh = JoinAndRecordAsync(_unknownKidLookup, kid);
            return true;
        }
    }

    /// <summary>
    /// A fetch that starts after the unknown kid was seen. A periodic refresh already running may
    /// have read the JWKS before the IdP published the new key, so it is awaited, then a fresh
    /// fetch follows.
    /// </summary>
    private async Task LookUpUnknownKidAsync()
    {
        Task? running;
        lock (_lock)
        {
            running = _inflight is { IsCompleted: false } ? _inflight : null;
        }

        if (running is not null)
        {
            await running;
        }

        Task fresh;
        lock (_lock)
        {
            _inflight = RefreshCoreAsync(throwOnFailure: false, CancellationToken.None);
            fresh = _inflight;
        }

        await fresh;
    }

    public override async ValueTask DisposeAsync()
    {
        _timer?.Dispose();
        await base.DisposeAsync();
    }

    private async Task JoinAndRecordAsync(Task refresh, string kid)
    {
        await refresh;
        if (Current?.Knows(kid) != true)
        {
            lock (_lock)
            {
                if (_negative.Count >= MaxNegativeEntries)
                {
                    _negative.Clear();
                }

                _negative[kid] = _time.GetUtcNow().UtcTicks + NegativeCacheTime.Ticks;
            }
        }
    }

    private async Task RefreshCoreAsync(bool throwOnFailure, CancellationToken cancellationToken)
    {
        try
        {
            var jwksUri = await ResolveJwksUriAsync(cancellationToken);
            var bytes = await GetAsync(jwksUri, cancellationToken);
            var keys = KeyLoader.ParseJson(bytes, allowSingleKey: false);
            if (keys.Count == 0)
            {
                throw new KeyLoadException("JWKS has no usable signature keys");
            }

            var fingerprint = KeyLoader.Fingerprint(keys);
            var current = Current;
            if (current is null || !string.Equals(current.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                var generation = Interlocked.Increment(ref _generation);
                Publish(new KeySnapshot(keys, generation, fingerprint));
                PolicyLog.KeysLoaded(_logger, _config.Name, keys.Count, generation);
            }

            Volatile.Write(ref _lastSuccessTicks, _time.GetUtcNow().UtcTicks);
            Volatile.Write(ref _expiredLogged, 0);
            Interlocked.Increment(ref _counters.JwksRefreshes);
        }
#pragma warning disable CA1031 // a background refresh must never fault: every failure is counted, logged, and the last good keys keep serving
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _counters.JwksFailures);
            PolicyLog.KeyFetchFailed(_logger, _config.Name, ex.Message);
            if (throwOnFailure)
            {
                throw new KeyLoadException($"cannot load keys of provider '{_config.Name}': {ex.Message}", ex);
            }
        }
    }

    private async Task<Uri> ResolveJwksUriAsync(CancellationToken cancellationToken)
    {
        if (!_config.Discovery)
        {
            return new Uri(_config.JwksUri!, UriKind.Absolute);
        }

        var discoveryUri = new Uri(_config.Issuer.TrimEnd('/') + "/.well-known/openid-configuration", UriKind.Absolute);
        var bytes = await GetAsync(discoveryUri, cancellationToken);
        var document = JsonSerializer.Deserialize(bytes.Span, PolicyJsonContext.Default.OidcDiscoveryDocument)
            ?? throw new KeyLoadException("discovery document is empty");

        // OpenID Connect Discovery 1.0 §4.3: the issuer in the metadata MUST equal the configured issuer.
        if (!string.Equals(document.Issuer, _config.Issuer, StringComparison.Ordinal))
        {
            throw new KeyLoadException("discovery document issuer does not match the configured issuer");
        }

        if (string.IsNullOrEmpty(document.JwksUri) || !Uri.TryCreate(document.JwksUri, UriKind.Absolute, out var jwks)
            || (!string.Equals(jwks.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal) && !string.Equals(jwks.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal)))
        {
            throw new KeyLoadException("discovery document has no valid jwks_uri");
        }

        return jwks;
    }

    private async Task<ReadOnlyMemory<byte>> GetAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new KeyLoadException($"GET {uri.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentLength > MaxDocumentBytes)
        {
            throw new KeyLoadException($"GET {uri.GetLeftPart(UriPartial.Path)}: document larger than {MaxDocumentBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxDocumentBytes)
            {
                throw new KeyLoadException($"GET {uri.GetLeftPart(UriPartial.Path)}: document larger than {MaxDocumentBytes} bytes");
            }

            await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
