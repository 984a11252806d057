using System.Security.Cryptography;
using System.Text.Json;
using FastProxy.Policy.Analysis;
using FastProxy.Policy.Config;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Logging;
using FastProxy.Policy.Upstream;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy;

/// <summary>
/// Validates a <see cref="PolicyDocument"/> with precise diagnostics, compiles it to the runtime
/// form, loads (and for remote providers fetches) the verification keys, and runs the document's
/// own tests: a document whose tests fail is refused like an invalid one.
/// </summary>
public static partial class PolicyCompiler
{
    /// <summary>The provider bit mask of a route is a ulong.</summary>
    private const int MaxProviders = 64;

    /// <summary>Asymmetric JWS algorithms (RFC 7518 §3.1). none and HS* are never accepted.</summary>
    private static readonly HashSet<string> SupportedAlgorithms = new(StringComparer.Ordinal)
    {
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
    };

    public static async Task<PolicyCompileResult> CompileAsync(PolicyDocument document, PolicyCompileOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(options);
        var logger = options.LoggerFactory?.CreateLogger("FastProxy.Policy") ?? NullLogger.Instance;
        var compilation = new PolicyCompilation();

        CheckIdentity(document.Identity, compilation);
        var version = ComputeVersion(document, options.BaseDirectory);
        var needsAssertion = false;
        foreach (var route in document.Routes)
        {
            needsAssertion |= route.UpstreamIdentity.Assertion;
        }

        var assertionKey = options.AssertionKey ?? (needsAssertion ? ProxyAssertionKey.Generate() : null);
        var routes = CompileRoutes(document, compilation, version, assertionKey, options.AssertionIssuer, out var routeTable);
        if (routes is not null)
        {
            StaticAnalysis.Run(routes, compilation);
        }

        foreach (var warning in compilation.Warnings)
        {
            PolicyLog.CompileWarning(logger, warning.Path, warning.Message);
        }

        if (compilation.Errors.Count > 0 || routes is null || routeTable is null)
        {
            return new PolicyCompileResult(null, compilation.Errors, compilation.Warnings, []);
        }

        var http = CreateHttpClient(document, options);
        var providers = await LoadProvidersAsync(document.Identity, options, compilation, http, logger, cancellationToken);
        var cacheSize = options.TokenCacheSize ?? document.Identity.TokenCache.Size;
        var policy = new CompiledPolicy(
            version,
            routes,
            routeTable,
            providers,
            compilation.Claims,
            new TokenCache(cacheSize),
            document.Identity.Token.MaxBytes,
            document.Identity.Token.Cookie,
            options.Time,
            options.Counters,
            assertionKey,
            logger,
            http);

        if (compilation.Errors.Count > 0)
        {
            await policy.DisposeAsync();
            return new PolicyCompileResult(null, compilation.Errors, compilation.Warnings, []);
        }

        IReadOnlyList<PolicyTestResult> tests = [];
        if (options.RunTests && document.Tests.Count > 0)
        {
            tests = PolicyTestRunner.Run(policy, document);
            for (var i = 0; i < tests.Count; i++)
            {
                if (!tests[i].Passed)
                {
                    compilation.Error($"tests[{i}]", $"policy test '{tests[i].Name}' failed: expected {tests[i].Expected}, got {tests[i].Actual} ({tests[i].Detail})");
                }
            }
        }

        if (compilation.Errors.Count > 0)
        {
            await policy.DisposeAsync();
            return new PolicyCompileResult(null, compilation.Errors, compilation.Warnings, tests);
        }

        // Only now: the document's tests above decide synchronously, as `policy test` and `explain` do.
        policy.VerifiesMissesOffLoop = options.VerifyTokenMissesOffLoop;
        return new PolicyCompileResult(policy, compilation.Errors, compilation.Warnings, tests);
    }

    private static void CheckIdentity(IdentityConfig identity, PolicyCompilation compilation)
    {
        if (identity.Providers.Count > MaxProviders)
        {
            compilation.Error("identity.providers", $"at most {MaxProviders} providers");
        }

        for (var i = 0; i < identity.Providers.Count; i++)
        {
            var provider = identity.Providers[i];
            var path = $"identity.providers[{i}]";
            if (string.IsNullOrWhiteSpace(provider.Name))
            {
                compilation.Error(path + ".name", "a provider needs a name");
            }
            else if (!compilation.ProviderIndex.TryAdd(provider.Name, i))
            {
                compilation.Error(path + ".name", $"duplicate provider name '{provider.Name}'");
            }

            if (string.IsNullOrWhiteSpace(provider.Issuer))
            {
                compilation.Error(path + ".issuer", "a provider needs an issuer (compared exactly with the token's iss)");
            }

            // RFC 7519 §4.1.3: aud is always checked, so at least one audience is required.
            if (provider.Audiences.Count == 0 || provider.Audiences.Any(string.IsNullOrWhiteSpace))
            {
                compilation.Error(path + ".audiences", "at least one non-empty audience is required (tokens are always checked for aud)");
            }

            var sources = (provider.Discovery ? 1 : 0) + (provider.JwksUri is null ? 0 : 1) + (provider.Keys.Count > 0 ? 1 : 0);
            if (sources != 1)
            {
                compilation.Error(path, "exactly one key source is required: discovery: true, jwks_uri, or keys");
            }

            if (provider.Discovery && !IsHttpUri(provider.Issuer))
            {
                compilation.Error(path + ".issuer", "discovery needs an http(s) issuer URL");
            }

            if (provider.JwksUri is not null && !IsHttpUri(provider.JwksUri))
            {
                compilation.Error(path + ".jwks_uri", $"'{provider.JwksUri}' is not an absolute http(s) URL");
            }

            if (provider.Algorithms.Count == 0)
            {
                compilation.Error(path + ".algorithms", "at least one algorithm is required");
            }

            for (var a = 0; a < provider.Algorithms.Count; a++)
            {
                var alg = provider.Algorithms[a];
                if (SupportedAlgorithms.Contains(alg))
                {
                    continue;
                }

                var why = string.Equals(alg, "none", StringComparison.OrdinalIgnoreCase)
                    ? "'none' (unsigned tokens) is never accepted"
                    : alg.StartsWith("HS", StringComparison.OrdinalIgnoreCase)
                        ? $"'{alg}' is an HMAC algorithm; only asymmetric algorithms are accepted (RFC 8725 §2.1)"
                        : $"unknown algorithm '{alg}' (RS256/384/512, PS256/384/512, ES256/384/512)";
                compilation.Error($"{path}.algorithms[{a}]", why);
            }

            if (provider.ClockSkewSeconds is < 0 or > 600)
            {
                compilation.Error(path + ".clock_skew_seconds", "must be between 0 and 600");
            }

            if (provider.RefreshSeconds < 1)
            {
                compilation.Error(path + ".refresh_seconds", "must be at least 1");
            }

            if (provider.MaxKeyAgeSeconds < provider.RefreshSeconds)
            {
                compilation.Error(path + ".max_key_age_seconds", "must be at least refresh_seconds (keys would age out between refreshes)");
            }
        }

        if (identity.Token.MaxBytes is < 256 or > 65536)
        {
            compilation.Error("identity.token.max_bytes", "must be between 256 and 65536");
        }

        if (identity.Token.Cookie is { } cookie && !IsToken(cookie))
        {
            compilation.Error("identity.token.cookie", $"'{cookie}' is not a valid cookie name");
        }

        if (identity.TokenCache.Size < 0)
        {
            compilation.Error("identity.token_cache.size", "must be 0 (off) or positive");
        }
    }

    private static async Task<IdentityProvider[]> LoadProvidersAsync(IdentityConfig identity, PolicyCompileOptions options, PolicyCompilation compilation, HttpClient? http, ILogger logger, CancellationToken cancellationToken)
    {
        var providers = new IdentityProvider[identity.Providers.Count];
        var starts = new List<(int Index, RemoteKeySource Source, Task Task)>();
        for (var i = 0; i < providers.Length; i++)
        {
            var config = identity.Providers[i];
            KeySource source;
            if (config.Keys.Count > 0)
            {
                var keys = new List<SecurityKey>();
                for (var k = 0; k < config.Keys.Count; k++)
                {
                    try
                    {
                        keys.AddRange(KeyLoader.LoadStatic(config.Keys[k], options.BaseDirectory));
                    }
                    catch (KeyLoadException ex)
                    {
                        compilation.Error($"identity.providers[{i}].keys[{k}]", ex.Message);
                    }
                }

                source = new StaticKeySource(keys);
            }
            else
            {
                var remote = new RemoteKeySource(config, http!, options.Time, logger, options.Counters);
                source = remote;
                if (options.FetchKeys)
                {
                    starts.Add((i, remote, remote.StartAsync(cancellationToken)));
                }
            }

            providers[i] = new IdentityProvider(i, config, source);
        }

        foreach (var (index, remote, task) in starts)
        {
            try
            {
                await task;
            }
            catch (KeyLoadException ex)
            {
                var previous = FindPrevious(options.Previous, identity.Providers[index]);
                if (previous is not null && remote.TryAdopt(previous))
                {
                    compilation.Warning($"identity.providers[{index}]", ex.Message + $"; serving the previous policy's key set (fetched {previous.LastSuccess:O}) until it ages out");
                }
                else
                {
                    compilation.Error($"identity.providers[{index}]", ex.Message);
                }
            }
        }

        return providers;
    }

    private static RemoteKeySource? FindPrevious(CompiledPolicy? previous, IdentityProviderConfig config)
    {
        if (previous is null)
        {
            return null;
        }

        foreach (var provider in previous.Providers)
        {
            if (provider.Keys is RemoteKeySource remote && remote.SameSourceAs(config))
            {
                return remote;
            }
        }

        return null;
    }

    private static HttpClient? CreateHttpClient(PolicyDocument document, PolicyCompileOptions options)
    {
        var needed = false;
        foreach (var provider in document.Identity.Providers)
        {
            needed |= provider.Keys.Count == 0;
        }

        if (!needed)
        {
            return null;
        }

        var client = options.HttpHandler is null ? new HttpClient() : new HttpClient(options.HttpHandler, disposeHandler: false);
        client.Timeout = options.KeyFetchTimeout;
        return client;
    }

    /// <summary>SHA-256 of the document's canonical JSON (source-generated serializer), lower-case hex.</summary>
    private static string ComputeVersion(PolicyDocument document, string baseDirectory)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(document, PolicyJsonContext.Default.PolicyDocument);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(json);

        // Inline keys are in the JSON; key files are hashed by content so a rotated file is a new version.
        foreach (var provider in document.Identity.Providers)
        {
            foreach (var key in provider.Keys)
            {
                var text = key.Trim();
                if (text.StartsWith('{') || text.Contains("-----BEGIN", StringComparison.Ordinal))
                {
                    continue;
                }

                try
                {
                    sha.AppendData(File.ReadAllBytes(Path.IsPathRooted(text) ? text : Path.Combine(baseDirectory, text)));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Reported precisely when the keys are loaded.
                }
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static bool IsHttpUri(string? value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && (string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal) || string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal));

    /// <summary>RFC 9110 §5.6.2 token: 1*tchar.</summary>
    internal static bool IsToken(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        foreach (var c in value)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
