using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastProxy.Core.Gate;
using FastProxy.Policy;
using FastProxy.Policy.Config;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Benchmarks;

/// <summary>
/// The gate's per-request cost: a cached token on a 5-rule route (budget 0 B/op), a first-seen
/// token (cache off: JWS decode + RS256 signature check + claims compile on every call, as HAProxy
/// and YARP pay in the peers scenario), and a first-seen token with a bad signature (what a flood
/// of forged tokens costs). The proxy verifies a first-seen token off the event loop: the off-loop pair measures what
/// that hop adds (Retry, the verification on the thread pool, the second evaluation) against the same work inline.
/// </summary>
[MemoryDiagnoser]
public class PolicyEvaluateBenchmark
{
    private static readonly byte[] Method = "GET"u8.ToArray();
    private static readonly byte[] Host = "api.test"u8.ToArray();
    private static readonly byte[] Path = "/api/orders/7"u8.ToArray();

    private RSA _rsa = null!;
    private CompiledPolicy _cached = null!;
    private CompiledPolicy _uncached = null!;
    private PolicyGate _cachedGate = null!;
    private PolicyGate _uncachedGate = null!;
    private BenchHeaders _headers = null!;
    private BenchHeaders _forgedHeaders = null!;
    private ClientIdentity _client = null!;
    private PolicyGate _missInlineGate = null!;
    private PolicyGate _missOffLoopGate = null!;
    private BenchHeaders[] _rotation = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _rsa = RSA.Create(2048);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = "{\"iss\":\"https://idp.test\",\"aud\":\"orders-api\",\"sub\":\"alice\",\"exp\":" + (now + 3600) + ",\"iat\":" + now
            + ",\"roles\":[\"reader\"],\"scope\":\"orders:read profile\",\"tenant\":\"acme\"}";
        var token = new JsonWebTokenHandler().CreateToken(payload, new SigningCredentials(new RsaSecurityKey(_rsa), SecurityAlgorithms.RsaSha256));
        _headers = new BenchHeaders("Bearer " + token);
        using (var attacker = RSA.Create(2048))
        {
            _forgedHeaders = new BenchHeaders("Bearer " + new JsonWebTokenHandler().CreateToken(payload, new SigningCredentials(new RsaSecurityKey(attacker), SecurityAlgorithms.RsaSha256)));
        }

        _client = new ClientIdentity(System.Net.IPAddress.Parse("192.0.2.10"), null, [], []);
        _cached = Compile(1000);
        _uncached = Compile(0);
        _cachedGate = new PolicyGate(_cached);
        _uncachedGate = new PolicyGate(_uncached);

        // The smallest cache (two entries) and eight tokens taken in turn: every evaluation is a miss that ends in the
        // cache, as a first-seen token does on the proxy.
        _rotation = [.. Enumerable.Range(0, 8).Select(i => new BenchHeaders("Bearer " + new JsonWebTokenHandler().CreateToken(
            payload.Replace("alice", "user" + i, StringComparison.Ordinal), new SigningCredentials(new RsaSecurityKey(_rsa), SecurityAlgorithms.RsaSha256))))];
        _missInlineGate = new PolicyGate(Compile(1));
        _missOffLoopGate = new PolicyGate(Compile(1, offLoop: true));
        if (CachedToken_FiveRuleRoute() != GateVerdict.Allow || FirstSeenToken_FullValidation() != GateVerdict.Allow || FirstSeenToken_BadSignature() != GateVerdict.Deny)
        {
            throw new InvalidOperationException("benchmark request is not allowed");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cached.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _uncached.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _rsa.Dispose();
    }

    /// <summary>What the proxy calls per request: the gate seam, including the audit reasons.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("HotPath")]
    public GateVerdict CachedToken_FiveRuleRoute()
        => ((IRequestGate)_cachedGate).Evaluate(new GateRequest(0, RequestMethod.Get, Method, Host, Path, default, _headers, _client), out _).Verdict;

    /// <summary>Not steady state: what a token costs the first time it is seen (or always, with the cache off).</summary>
    [Benchmark]
    [BenchmarkCategory("ColdPath")]
    public GateVerdict FirstSeenToken_FullValidation()
        => _uncachedGate.Evaluate(new GateRequest(0, RequestMethod.Get, Method, Host, Path, default, _headers, _client)).Verdict;

    /// <summary>A forged token (signed by another key) with the cache off: the cost of refusing it.</summary>
    [Benchmark]
    [BenchmarkCategory("ColdPath")]
    public GateVerdict FirstSeenToken_BadSignature()
        => _uncachedGate.Evaluate(new GateRequest(0, RequestMethod.Get, Method, Host, Path, default, _forgedHeaders, _client)).Verdict;

    /// <summary>Baseline of the pair: a cache miss verified inline.</summary>
    [Benchmark]
    [BenchmarkCategory("ColdPath")]
    public GateVerdict CacheMiss_VerifiedInline()
        => _missInlineGate.Evaluate(new GateRequest(0, RequestMethod.Get, Method, Host, Path, default, NextHeaders(), _client)).Verdict;

    /// <summary>The same miss as the proxy takes it: Retry, verification on the thread pool, second evaluation from its result.</summary>
    [Benchmark]
    [BenchmarkCategory("ColdPath")]
    public async Task<GateVerdict> CacheMiss_VerifiedOffLoop()
    {
        var headers = NextHeaders();
        var first = _missOffLoopGate.Evaluate(new GateRequest(0, RequestMethod.Get, Method, Host, Path, default, headers, _client));
        if (first.Verdict != GateVerdict.Retry)
        {
            return first.Verdict;
        }

        await first.Pending!;
        return _missOffLoopGate.Evaluate(new GateRequest(0, RequestMethod.Get, Method, Host, Path, default, headers, _client, first.Pending)).Verdict;
    }

    private BenchHeaders NextHeaders() => _rotation[_next++ & 7];

    private CompiledPolicy Compile(int cacheSize, bool offLoop = false)
    {
        // Five rules, all evaluated: one deny that does not match, three allows that do not, the last that does.
        var document = new PolicyDocument
        {
            Identity = new IdentityConfig
            {
                Providers =
                [
                    new IdentityProviderConfig
                    {
                        Name = "idp",
                        Issuer = "https://idp.test",
                        Audiences = ["orders-api"],
                        Keys = [_rsa.ExportSubjectPublicKeyInfoPem()],
                    },
                ],
            },
            Routes =
            [
                new RouteConfig
                {
                    Id = "api",
                    Match = new RouteMatchConfig { Path = "/api/**", Methods = ["GET", "HEAD"] },
                    Cluster = "orders",
                    Deny = [new RuleConfig { Source = ["203.0.113.0/24"] }],
                    Allow =
                    [
                        new RuleConfig { Claim = "roles", Contains = "admin" },
                        new RuleConfig { Scope = "orders:write" },
                        new RuleConfig { Claim = "tenant", AnyOf = ["globex", "initech"] },
                        new RuleConfig
                        {
                            All =
                            [
                                new RuleConfig { Claim = "roles", Contains = "reader" },
                                new RuleConfig { Scope = "orders:read" },
                            ],
                        },
                    ],
                },
            ],
        };
        var result = PolicyCompiler.CompileAsync(document, new PolicyCompileOptions { TokenCacheSize = cacheSize, VerifyTokenMissesOffLoop = offLoop }, CancellationToken.None).GetAwaiter().GetResult();
        return result.Policy ?? throw new InvalidOperationException(string.Join("; ", result.Errors));
    }

    private sealed class BenchHeaders(string authorization) : IRequestHeaders
    {
        private readonly byte[] _authorization = Encoding.ASCII.GetBytes(authorization);

        public bool TryGetFirst(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
        {
            if (Ascii.EqualsIgnoreCase(name, "authorization"u8))
            {
                value = _authorization;
                return true;
            }

            value = default;
            return false;
        }

        public int Count(ReadOnlySpan<byte> name) => Ascii.EqualsIgnoreCase(name, "authorization"u8) ? 1 : 0;
    }
}
