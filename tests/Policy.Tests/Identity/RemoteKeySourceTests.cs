using System.Globalization;
using FastProxy.Core.Gate;
using FastProxy.Policy.Config;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests.Identity;

/// <summary>
/// Keys from a real local OIDC provider over HTTP (discovery + JWKS on 127.0.0.1:0): fetched before
/// ready, rotation without a failed request, unknown-kid refresh (single flight, rate limit, negative
/// cache), and the IdP going down (last good keys serve, then 503 after the age limit).
/// </summary>
public sealed class RemoteKeySourceTests : IAsyncLifetime
{
    private const string Url = "https://api.test/api/orders/7";
    private readonly TinyHttpServer _idp = new();
    private volatile string _jwks = "";

    public Task InitializeAsync()
    {
        _jwks = TestKeys.Jwks(TestKeys.Jwk(TestKeys.Rsa, "k1"));
        _idp.Map("/.well-known/openid-configuration", () => "{\"issuer\":\"" + _idp.BaseUri + "\",\"jwks_uri\":\"" + _idp.BaseUri + "/jwks\"}");
        _idp.Map("/jwks", () => _jwks);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _idp.DisposeAsync();

    private PolicyDocument Document(bool discovery = true, int refreshSeconds = 300, int maxKeyAgeSeconds = 3600)
        => PolicyDocuments.Peers(provider: new IdentityProviderConfig
        {
            Name = "local",
            Issuer = _idp.BaseUri,
            Audiences = [TestKeys.Audience],
            Discovery = discovery,
            JwksUri = discovery ? null : _idp.BaseUri + "/jwks",
            RefreshSeconds = refreshSeconds,
            MaxKeyAgeSeconds = maxKeyAgeSeconds,
        });

    private string Token(string kid, System.Security.Cryptography.RSA? rsa = null, TimeProvider? time = null)
    {
        var credentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
            new Microsoft.IdentityModel.Tokens.RsaSecurityKey(rsa ?? TestKeys.Rsa) { KeyId = kid },
            Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256);
        return TestKeys.Token(time, extra: new() { ["iss"] = "\"" + _idp.BaseUri + "\"" }, credentials: credentials);
    }

    /// <summary>What the HTTP layer does: on Retry await the work once and evaluate again.</summary>
    private static async Task<GateDecision> SendAsync(PolicyGate gate, string token)
    {
        var decision = GateHarness.Evaluate(gate, gate.Current, "GET", Url, TestHeaders.Bearer(token));
        if (decision.Verdict != GateVerdict.Retry)
        {
            return decision;
        }

        await decision.Pending!.WaitAsync(TimeSpan.FromSeconds(10));
        decision = GateHarness.Evaluate(gate, gate.Current, "GET", Url, TestHeaders.Bearer(token));
        return decision.Verdict == GateVerdict.Retry ? GateDecision.Deny(401, default, default) : decision;
    }

    private static RemoteKeySource Source(CompiledPolicy policy) => (RemoteKeySource)policy.Providers[0].Keys;

    [Fact(Timeout = 20_000)]
    public async Task Compile_Discovery_KeysFetchedBeforeReady()
    {
        await using var policy = await GateHarness.CompileAsync(Document());
        var gate = new PolicyGate(policy);

        var decision = await SendAsync(gate, Token("k1"));

        Assert.Equal(GateVerdict.Allow, decision.Verdict);
        Assert.Equal(1, _idp.Hits("/.well-known/openid-configuration"));
        Assert.Equal(1, _idp.Hits("/jwks"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Compile_JwksUri_KeysFetched()
    {
        await using var policy = await GateHarness.CompileAsync(Document(discovery: false));

        Assert.Equal(GateVerdict.Allow, (await SendAsync(new PolicyGate(policy), Token("k1"))).Verdict);
        Assert.Equal(0, _idp.Hits("/.well-known/openid-configuration"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Compile_IdpDown_RefusedWithProviderPath()
    {
        _idp.Down = true;

        var result = await PolicyCompiler.CompileAsync(Document(), new PolicyCompileOptions(), CancellationToken.None);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Path == "identity.providers[0]");
    }

    [Fact(Timeout = 20_000)]
    public async Task Compile_DiscoveryIssuerMismatch_Refused()
    {
        _idp.Map("/.well-known/openid-configuration", () => "{\"issuer\":\"https://evil.test\",\"jwks_uri\":\"" + _idp.BaseUri + "/jwks\"}");

        var result = await PolicyCompiler.CompileAsync(Document(), new PolicyCompileOptions(), CancellationToken.None);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Message.Contains("issuer does not match", StringComparison.Ordinal));
    }

    [Fact(Timeout = 20_000)]
    public async Task Compile_JwksWithPrivateKey_Refused()
    {
        _jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"d\":\"AQAB\"}]}";

        var result = await PolicyCompiler.CompileAsync(Document(), new PolicyCompileOptions(), CancellationToken.None);

        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Message.Contains("private key material", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task Rotation_WhileTrafficFlows_NoRequestFails_RetiredKeyRefusedAfterwards()
    {
        await using var policy = await GateHarness.CompileAsync(Document());
        var gate = new PolicyGate(policy);
        var oldToken = Token("k1");
        var newToken = Token("k2", TestKeys.OtherRsa);
        var failures = 0;
        var requests = 0;

        using var stopTraffic = new CancellationTokenSource();
        var rotated = 0;
        var traffic = Task.Run(async () =>
        {
            while (!stopTraffic.IsCancellationRequested)
            {
                // Old-key tokens until the IdP signs with the new key, then new-key tokens.
                var token = Volatile.Read(ref rotated) == 0 ? oldToken : newToken;
                var decision = await SendAsync(gate, token);
                Interlocked.Increment(ref requests);
                if (decision.Verdict != GateVerdict.Allow)
                {
                    Interlocked.Increment(ref failures);
                }

                // Cached decisions complete synchronously: yield so this loop cannot hold a
                // thread-pool thread the key fetch (and other tests) need on a 2-core machine.
                await Task.Yield();
            }
        });

        await Task.Delay(50);

        // Step 1: the IdP publishes k2 next to k1, and starts signing with k2.
        _jwks = TestKeys.Jwks(TestKeys.Jwk(TestKeys.Rsa, "k1"), TestKeys.Jwk(TestKeys.OtherRsa, "k2"));
        Volatile.Write(ref rotated, 1);
        await Task.Delay(100);

        // Step 2: after the rotation window the IdP retires k1; the periodic refresh picks that up.
        _jwks = TestKeys.Jwks(TestKeys.Jwk(TestKeys.OtherRsa, "k2"));
        await Source(policy).RefreshAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(50);
        await stopTraffic.CancelAsync();
        await traffic;

        Assert.True(requests > 10, $"only {requests} requests flowed");
        Assert.Equal(0, failures);
        var retired = GateHarness.Evaluate(gate, policy, "GET", Url, TestHeaders.Bearer(oldToken));
        Assert.Equal(401, retired.Status);
        Assert.Equal(GateVerdict.Allow, (await SendAsync(gate, newToken)).Verdict);
    }

    [Fact(Timeout = 20_000)]
    public async Task IdpDown_CachedKeysServe_ThenFailClosedAfterMaxAge()
    {
        var time = new ManualTimeProvider();
        await using var policy = await GateHarness.CompileAsync(Document(refreshSeconds: 60, maxKeyAgeSeconds: 120), time);
        var gate = new PolicyGate(policy);
        var cached = Token("k1", time: time);
        Assert.Equal(GateVerdict.Allow, (await SendAsync(gate, cached)).Verdict);

        _idp.Down = true;
        time.Advance(TimeSpan.FromSeconds(90));
        await Source(policy).RefreshAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, Volatile.Read(ref policy.Counters.JwksFailures));
        Assert.Equal(GateVerdict.Allow, (await SendAsync(gate, cached)).Verdict);
        Assert.Equal(GateVerdict.Allow, (await SendAsync(gate, Token("k1", time: time))).Verdict);

        time.Advance(TimeSpan.FromSeconds(40));
        var afterAge = await SendAsync(gate, cached);
        var fresh = await SendAsync(gate, Token("k1", time: time));

        Assert.Equal(503, afterAge.Status);
        Assert.Equal(503, fresh.Status);
        Assert.Equal("{\"error\":\"identity_unavailable\"}", GateHarness.Body(afterAge));
        Assert.Equal(2, Volatile.Read(ref policy.Counters.Unavailable503));
        Assert.Equal(0, Volatile.Read(ref policy.Counters.Denied401));

        _idp.Down = false;
        await Source(policy).RefreshAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(GateVerdict.Allow, (await SendAsync(gate, cached)).Verdict);
    }

    [Fact(Timeout = 20_000)]
    public async Task UnknownKidFlood_RateLimitedAndNegativeCached()
    {
        var time = new ManualTimeProvider();
        await using var policy = await GateHarness.CompileAsync(Document(), time);
        var gate = new PolicyGate(policy);
        var baseline = _idp.Hits("/jwks");

        // The first bogus kid triggers one refresh (Retry); the rest inside the interval do not.
        var first = GateHarness.Evaluate(gate, policy, "GET", Url, TestHeaders.Bearer(Token("bogus-0", TestKeys.OtherRsa, time)));
        Assert.Equal(GateVerdict.Retry, first.Verdict);
        await first.Pending!.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 1; i < 50; i++)
        {
            var decision = await SendAsync(gate, Token("bogus-" + i.ToString(CultureInfo.InvariantCulture), TestKeys.OtherRsa, time));
            Assert.Equal(401, decision.Status);
        }

        Assert.Equal(baseline + 1, _idp.Hits("/jwks"));

        // After the interval: the negatively cached kid still causes no fetch; a new kid does.
        time.Advance(RemoteKeySource.MinUnknownKidRefreshInterval + TimeSpan.FromSeconds(1));
        Assert.Equal(401, (await SendAsync(gate, Token("bogus-0", TestKeys.OtherRsa, time))).Status);
        Assert.Equal(baseline + 1, _idp.Hits("/jwks"));
        Assert.Equal(401, (await SendAsync(gate, Token("bogus-new", TestKeys.OtherRsa, time))).Status);
        Assert.Equal(baseline + 2, _idp.Hits("/jwks"));
    }

    [Fact(Timeout = 20_000)]
    public async Task UnknownKid_ConcurrentRequests_SingleFlight()
    {
        await using var policy = await GateHarness.CompileAsync(Document());
        var gate = new PolicyGate(policy);
        var baseline = _idp.Hits("/jwks");
        _jwks = TestKeys.Jwks(TestKeys.Jwk(TestKeys.Rsa, "k1"), TestKeys.Jwk(TestKeys.OtherRsa, "k2"));
        _idp.Delay = TimeSpan.FromMilliseconds(200);
        var token = Token("k2", TestKeys.OtherRsa);

        var decisions = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => SendAsync(gate, token))));

        Assert.All(decisions, d => Assert.Equal(GateVerdict.Allow, d.Verdict));
        Assert.Equal(baseline + 1, _idp.Hits("/jwks"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Refresh_AfterPolicyDisposed_CompletesWithoutFaulting()
    {
        var policy = await GateHarness.CompileAsync(Document());
        var source = Source(policy);
        await policy.DisposeAsync();

        await source.RefreshAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, Volatile.Read(ref policy.Counters.JwksFailures));
    }

    [Fact(Timeout = 20_000)]
    public async Task UnknownKid_Oversized_NoRefresh()
    {
        await using var policy = await GateHarness.CompileAsync(Document());
        var baseline = _idp.Hits("/jwks");

        var decision = GateHarness.Evaluate(new PolicyGate(policy), policy, "GET", Url, TestHeaders.Bearer(Token(new string('k', 300), TestKeys.OtherRsa)));

        Assert.Equal(401, decision.Status);
        Assert.Equal(baseline, _idp.Hits("/jwks"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Reload_IdpDown_AdoptsPreviousKeySetWithWarning()
    {
        await using var previous = await GateHarness.CompileAsync(Document());
        _idp.Down = true;

        var result = await PolicyCompiler.CompileAsync(Document(), new PolicyCompileOptions { Previous = previous }, CancellationToken.None);
        await using var next = result.Policy!;

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Contains(result.Warnings, w => w.Path == "identity.providers[0]" && w.Message.Contains("previous policy's key set", StringComparison.Ordinal));
        Assert.Equal(GateVerdict.Allow, (await SendAsync(new PolicyGate(next), Token("k1"))).Verdict);
        Assert.Equal(Source(previous).LastSuccess, Source(next).LastSuccess);
    }

    [Fact(Timeout = 20_000)]
    public async Task Reload_IdpDown_NoPrevious_Refused()
    {
        await using var previous = await GateHarness.CompileAsync(Document());
        _idp.Down = true;

        var result = await PolicyCompiler.CompileAsync(Document(discovery: false), new PolicyCompileOptions { Previous = previous }, CancellationToken.None);

        Assert.False(result.Success);
    }
}
