using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests;

/// <summary>The peers scenario through the gate, and every token attack the issue lists.</summary>
public sealed class PolicyGateTests : IAsyncLifetime
{
    private const string Url = "https://api.test/api/orders/7";
    private CompiledPolicy _policy = null!;
    private PolicyGate _gate = null!;

    public async Task InitializeAsync()
    {
        _policy = await GateHarness.CompileAsync(PolicyDocuments.Peers());
        _gate = new PolicyGate(_policy);
    }

    public async Task DisposeAsync() => await _policy.DisposeAsync();

    private GateDecision Send(IRequestGate gate, string? authorization, string method = "GET")
        => GateHarness.Evaluate(gate, _gate.Current, method, Url, authorization is null ? new DictionaryRequestHeaders() : new DictionaryRequestHeaders().Add("Authorization", authorization));

    private GateDecision Bearer(string token) => Send(_gate, "Bearer " + token);

    private static void AssertInvalidToken(GateDecision decision, string reason)
    {
        Assert.Equal(GateVerdict.Deny, decision.Verdict);
        Assert.Equal(401, decision.Status);
        Assert.Contains("error=\"invalid_token\"", GateHarness.Headers(decision), StringComparison.Ordinal);
        Assert.Equal("{\"error\":\"unauthorized\",\"reason\":\"" + reason + "\"}", GateHarness.Body(decision));
    }

    [Fact]
    public void Evaluate_ValidReaderToken_Allows()
    {
        var decision = Bearer(TestKeys.Token());

        Assert.Equal(GateVerdict.Allow, decision.Verdict);
        Assert.Equal(1, Volatile.Read(ref _policy.Counters.Allowed));
    }

    [Fact]
    public void Evaluate_HeadRequest_Allows()
        => Assert.Equal(GateVerdict.Allow, Send(_gate, "Bearer " + TestKeys.Token(), "HEAD").Verdict);

    [Fact]
    public void Evaluate_NoToken_401WithBareChallenge()
    {
        var decision = Send(_gate, null);

        Assert.Equal(401, decision.Status);
        Assert.Equal("WWW-Authenticate: Bearer realm=\"fastproxy\"\r\n", GateHarness.Headers(decision));
        Assert.Equal("{\"error\":\"unauthorized\",\"reason\":\"missing_token\"}", GateHarness.Body(decision));
    }

    [Fact]
    public void Evaluate_BasicScheme_401WithBareChallenge()
    {
        var decision = Send(_gate, "Basic YWxpY2U6c2VjcmV0");

        Assert.Equal(401, decision.Status);
        Assert.DoesNotContain("error=", GateHarness.Headers(decision), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WriterRole_403WithRouteBody()
    {
        var decision = Bearer(TestKeys.Token(roles: "[\"writer\"]"));

        Assert.Equal(403, decision.Status);
        Assert.Equal("{\"error\":\"forbidden\",\"route\":\"api\"}", GateHarness.Body(decision));
        Assert.Equal(1, Volatile.Read(ref _policy.Counters.Denied403));
    }

    [Fact]
    public void Evaluate_RoleAsSubstring_403()
        => Assert.Equal(403, Bearer(TestKeys.Token(roles: "[\"readers\", \"not-reader\"]")).Status);

    [Fact]
    public void Evaluate_TokenSignedByOtherKey_401InvalidSignature()
        => AssertInvalidToken(Bearer(TestKeys.Token(credentials: TestKeys.OtherRsaCredentials())), "invalid_signature");

    [Fact]
    public void Evaluate_AlgNone_401()
        => AssertInvalidToken(Bearer(TestKeys.Unsigned(TestKeys.Payload())), "algorithm_not_allowed");

    [Fact]
    public void Evaluate_Hs256SignedWithRsaPublicKeyBytes_401()
    {
        // The classic key-confusion attack: HMAC keyed with the verifier's public PEM.
        var credentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.ASCII.GetBytes(TestKeys.RsaPublicPem)), SecurityAlgorithms.HmacSha256);

        AssertInvalidToken(Bearer(TestKeys.Sign(TestKeys.Payload(), credentials)), "algorithm_not_allowed");
    }

    [Fact]
    public void Evaluate_Expired_401TokenExpired()
    {
        var now = TestKeys.Now();
        var token = TestKeys.Token(extra: new() { ["iat"] = (now - 7200).ToString(System.Globalization.CultureInfo.InvariantCulture), ["exp"] = (now - 3600).ToString(System.Globalization.CultureInfo.InvariantCulture) });

        AssertInvalidToken(Bearer(token), "token_expired");
    }

    [Fact]
    public void Evaluate_FutureNotBefore_401()
    {
        var token = TestKeys.Token(extra: new() { ["nbf"] = (TestKeys.Now() + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture) });

        AssertInvalidToken(Bearer(token), "token_not_yet_valid");
    }

    [Fact]
    public void Evaluate_WrongIssuer_401()
        => AssertInvalidToken(Bearer(TestKeys.Token(extra: new() { ["iss"] = "\"https://evil.test\"" })), "invalid_issuer");

    [Fact]
    public void Evaluate_WrongAudience_401()
        => AssertInvalidToken(Bearer(TestKeys.Token(extra: new() { ["aud"] = "\"billing-api\"" })), "invalid_audience");

    [Fact]
    public void Evaluate_AudienceArrayContainingOurs_Allows()
        => Assert.Equal(GateVerdict.Allow, Bearer(TestKeys.Token(extra: new() { ["aud"] = "[\"billing-api\",\"orders-api\"]" })).Verdict);

    [Fact]
    public void Evaluate_MissingAudience_401()
        => Assert.Equal(401, Bearer(TestKeys.Token(extra: new() { ["aud"] = null })).Status);

    [Fact]
    public void Evaluate_MissingExp_401()
        => AssertInvalidToken(Bearer(TestKeys.Token(extra: new() { ["exp"] = null })), "token_without_expiry");

    [Fact]
    public void Evaluate_TamperedPayload_401InvalidSignature()
    {
        var parts = TestKeys.Token(roles: "[\"writer\"]").Split('.');
        var forged = parts[0] + "." + Base64UrlEncoder.Encode(TestKeys.Payload(roles: "[\"reader\"]")) + "." + parts[2];

        AssertInvalidToken(Bearer(forged), "invalid_signature");
    }

    [Fact]
    public void Evaluate_TamperedSignature_401InvalidSignature()
    {
        var token = TestKeys.Token();
        var signature = Base64UrlEncoder.DecodeBytes(token[(token.LastIndexOf('.') + 1)..]);
        signature[10] ^= 0x01;
        var forged = token[..(token.LastIndexOf('.') + 1)] + Base64UrlEncoder.Encode(signature);

        AssertInvalidToken(Bearer(forged), "invalid_signature");
    }

    [Fact]
    public async Task Evaluate_UnknownKidWithStaticJwks_401UnknownKey()
    {
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers(TestKeys.Jwks(TestKeys.Jwk(TestKeys.Rsa, "k1"))));
        var gate = new PolicyGate(policy);

        var known = GateHarness.Evaluate(gate, policy, "GET", Url, TestHeaders.Bearer(TestKeys.Token(credentials: TestKeys.RsaCredentials("k1"))));
        var unknown = GateHarness.Evaluate(gate, policy, "GET", Url, TestHeaders.Bearer(TestKeys.Token(credentials: TestKeys.RsaCredentials("k2"))));

        Assert.Equal(GateVerdict.Allow, known.Verdict);
        AssertInvalidToken(unknown, "unknown_key");
    }

    [Theory]
    [InlineData("jku")]
    [InlineData("x5u")]
    public void Evaluate_KeyUrlHeaderInjection_401(string header)
    {
        // Signed by the attacker's key, pointing at the attacker's key set: never followed.
        var headers = new Dictionary<string, object>(StringComparer.Ordinal) { [header] = "http://127.0.0.1:9/evil.json" };
        var token = TestKeys.Sign(TestKeys.Payload(), TestKeys.OtherRsaCredentials("evil"), headers);

        Assert.Equal(401, Bearer(token).Status);
    }

    [Fact]
    public void Evaluate_CriticalHeaderExtension_401Malformed()
    {
        var headers = new Dictionary<string, object>(StringComparer.Ordinal) { ["crit"] = new[] { "exp-ext" }, ["exp-ext"] = 1 };

        AssertInvalidToken(Bearer(TestKeys.Sign(TestKeys.Payload(), TestKeys.RsaCredentials(), headers)), "token_malformed");
    }

    [Fact]
    public void Evaluate_EmbeddedJwkHeaderInjection_401()
    {
        var headers = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["jwk"] = System.Text.Json.JsonDocument.Parse(TestKeys.Jwk(TestKeys.OtherRsa, "evil")).RootElement,
        };
        var token = TestKeys.Sign(TestKeys.Payload(), TestKeys.OtherRsaCredentials("evil"), headers);

        AssertInvalidToken(Bearer(token), "invalid_signature");
    }

    [Theory]
    [InlineData("not.a.jwt")]
    [InlineData("garbage")]
    [InlineData("a.b")]
    [InlineData("....")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC50ZXN0In0.!!!")]
    [InlineData("é.é.é")]
    public void Evaluate_Garbage_401Malformed(string token)
    {
        var decision = Bearer(token);

        Assert.Equal(401, decision.Status);
        Assert.DoesNotContain(token, GateHarness.Body(decision), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_EmptyBearer_401()
        => Assert.Equal(401, Send(_gate, "Bearer ").Status);

    [Fact]
    public void Evaluate_Oversize_401TooLarge()
        => AssertInvalidToken(Bearer(new string('a', 9000)), "token_too_large");

    [Fact]
    public void Evaluate_TwoAuthorizationHeaders_400()
    {
        var token = TestKeys.Token();
        var headers = new DictionaryRequestHeaders().Add("Authorization", "Bearer " + token).Add("authorization", "Bearer " + token);

        var decision = GateHarness.Evaluate(_gate, _policy, "GET", Url, headers);

        Assert.Equal(400, decision.Status);
        Assert.Equal(1, Volatile.Read(ref _policy.Counters.Denied400));
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    [InlineData("BeArEr")]
    public void Evaluate_SchemeAnyCase_Allows(string scheme)
        => Assert.Equal(GateVerdict.Allow, Send(_gate, scheme + " " + TestKeys.Token()).Verdict);

    [Fact]
    public void Evaluate_SameTokenTwice_SecondIsCacheHit()
    {
        var token = TestKeys.Token();

        Bearer(token);
        Bearer(token);

        Assert.Equal(1, Volatile.Read(ref _policy.Counters.CacheMisses));
        Assert.Equal(1, Volatile.Read(ref _policy.Counters.CacheHits));
    }

    [Fact]
    public async Task Evaluate_CacheOff_EveryRequestValidates()
    {
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers(), cacheSize: 0);
        var gate = new PolicyGate(policy);
        var token = TestKeys.Token();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(GateVerdict.Allow, GateHarness.Evaluate(gate, policy, "GET", Url, TestHeaders.Bearer(token)).Verdict);
        }

        Assert.Equal(0, Volatile.Read(ref policy.Counters.CacheHits));
        Assert.Equal(0, policy.TokenCacheCapacity);
    }

    [Fact]
    public async Task Evaluate_CachedTokenPastExp_401Expired()
    {
        var time = new ManualTimeProvider();
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers(), time);
        var gate = new PolicyGate(policy);
        var token = TestKeys.Token(time, extra: new() { ["exp"] = (TestKeys.Now(time) + 60).ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var first = GateHarness.Evaluate(gate, policy, "GET", Url, TestHeaders.Bearer(token));
        time.Advance(TimeSpan.FromSeconds(61 + 30));
        var second = GateHarness.Evaluate(gate, policy, "GET", Url, TestHeaders.Bearer(token));

        Assert.Equal(GateVerdict.Allow, first.Verdict);
        AssertInvalidToken(second, "token_expired");
    }

    [Fact]
    public void Evaluate_CachedDecision_AllocatesNothing()
    {
        var headers = TestHeaders.Bearer(TestKeys.Token());
        for (var i = 0; i < 3; i++)
        {
            GateHarness.Evaluate(_gate, _policy, "GET", Url, headers);
        }

        var uri = Encoding.ASCII.GetBytes("/api/orders/7");
        var host = Encoding.ASCII.GetBytes("api.test");
        var method = Encoding.ASCII.GetBytes("GET");
        long Measure(int iterations)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < iterations; i++)
            {
                var request = new GateRequest(0, RequestMethod.Get, method, host, uri, default, headers, ClientIdentity.Unknown);
                _gate.Evaluate(request);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Measure(100);

        Assert.Equal(0, Measure(1000));
    }

    [Fact]
    public void Evaluate_NoRoute_404()
    {
        var decision = GateHarness.Evaluate(_gate, _policy, "GET", "https://api.test/other", TestHeaders.Bearer(TestKeys.Token()));

        Assert.Equal(404, decision.Status);
    }

    [Fact]
    public async Task Swap_NewPolicy_NextRequestUsesIt()
    {
        var token = TestKeys.Token(roles: "[\"writer\"]");
        var document = PolicyDocuments.Peers() with
        {
            Routes = [PolicyDocuments.Peers().Routes[0] with { Allow = [new Config.RuleConfig { Claim = "roles", Contains = "writer" }] }],
        };
        await using var next = await GateHarness.CompileAsync(document);

        var before = GateHarness.Evaluate(_gate, _gate.Current, "GET", Url, TestHeaders.Bearer(token));
        _gate.Swap(next);
        var after = GateHarness.Evaluate(_gate, _gate.Current, "GET", Url, TestHeaders.Bearer(token), null, null, out var info);

        Assert.Equal(403, before.Status);
        Assert.Equal(GateVerdict.Allow, after.Verdict);
        Assert.Equal(next.Version, info.Version);
        Assert.NotEqual(_policy.Version, next.Version);
    }

    [Fact]
    public void Evaluate_Decision_CarriesVersionRouteAndRule()
    {
        GateHarness.Evaluate(_gate, _policy, "GET", Url, TestHeaders.Bearer(TestKeys.Token()), null, null, out var info);

        Assert.Equal(_policy.Version, info.Version);
        Assert.Equal("api", info.RouteId);
        Assert.Equal(0, info.RuleIndex);
        Assert.False(info.DecidedByDeny);
        Assert.Equal("alice", info.Subject);
        Assert.Equal(AuthFailure.None, info.Failure);
    }

    [Fact(Timeout = 30_000)]
    public async Task Evaluate_ConcurrentDistinctTokens_AllDecidedCorrectly()
    {
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers(cacheSize: 16));
        var gate = new PolicyGate(policy);
        var readers = Enumerable.Range(0, 40).Select(i => TestKeys.Token(extra: new() { ["sub"] = "\"u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"" })).ToArray();
        var writers = Enumerable.Range(0, 10).Select(_ => TestKeys.Token(roles: "[\"writer\"]")).ToArray();

        var wrong = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 400; i++)
            {
                var isReader = (i + t) % 5 != 0;
                var token = isReader ? readers[(i * 7 + t) % readers.Length] : writers[i % writers.Length];
                var decision = GateHarness.Evaluate(gate, policy, "GET", Url, TestHeaders.Bearer(token));
                if ((decision.Verdict == GateVerdict.Allow) != isReader)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })));

        Assert.Equal(0, wrong);
        Assert.True(Volatile.Read(ref policy.Counters.CacheHits) > 0);
    }
}
