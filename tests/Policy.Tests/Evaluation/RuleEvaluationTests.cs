using System.Net;
using System.Text.Json;
using FastProxy.Core.Gate;
using FastProxy.Policy.Config;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests.Evaluation;

/// <summary>Semantics of each compiled rule and of deny / allow / default deny / public / audit.</summary>
public sealed class RuleEvaluationTests
{
    private static async Task<string> DecideAsync(RouteConfig route, string? claims, string request = "GET https://api.test/api/x", Action<DictionaryRequestHeaders>? headers = null, ClientIdentity? client = null, TimeProvider? time = null)
    {
        var document = PolicyDocuments.WithRoutes(route);
        var result = await PolicyCompiler.CompileAsync(document, new PolicyCompileOptions { FetchKeys = false, Time = time ?? TimeProvider.System }, CancellationToken.None);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        await using var policy = result.Policy!;
        var dictionary = new DictionaryRequestHeaders();
        headers?.Invoke(dictionary);
        JsonElement? element = claims is null ? null : JsonDocument.Parse(claims).RootElement.Clone();
        return PolicyTestRunner.Decide(policy, TestRequest.TryParse(request, out _)!, dictionary, client ?? ClientIdentity.Unknown, element, out _);
    }

    private static RouteConfig Allow(params RuleConfig[] rules) => PolicyDocuments.Route("r", "/api/**", rules);

    [Theory]
    [InlineData("{\"roles\":[\"reader\",\"x\"]}", "allow")]
    [InlineData("{\"roles\":\"reader\"}", "allow")]
    [InlineData("{\"roles\":[\"readers\"]}", "403")]
    [InlineData("{\"roles\":\"readers reader\"}", "403")]
    [InlineData("{\"roles\":[\"Reader\"]}", "403")]
    [InlineData("{}", "403")]
    public async Task ClaimContains_ExactMembershipOnly(string claims, string expected)
        => Assert.Equal(expected, await DecideAsync(Allow(new RuleConfig { Claim = "roles", Contains = "reader" }), claims));

    [Theory]
    [InlineData("{\"tenant\":\"acme\"}", "allow")]
    [InlineData("{\"tenant\":[\"acme\"]}", "403")]
    [InlineData("{\"tenant\":\"acme-corp\"}", "403")]
    [InlineData("{\"level\":3}", "403")]
    public async Task ClaimEquals_ScalarOnly(string claims, string expected)
        => Assert.Equal(expected, await DecideAsync(Allow(new RuleConfig { Claim = "tenant", EqualsValue = "acme" }), claims));

    [Fact]
    public async Task ClaimEquals_NumberClaim_ComparesJsonText()
        => Assert.Equal("allow", await DecideAsync(Allow(new RuleConfig { Claim = "level", EqualsValue = "3" }), "{\"level\":3}"));

    [Theory]
    [InlineData("{\"realm_access\":{\"roles\":[\"admin\"]}}", "allow")]
    [InlineData("{\"realm_access\":{\"roles\":[\"user\"]}}", "403")]
    [InlineData("{\"realm_access\":\"admin\"}", "403")]
    [InlineData("{\"realm_access.roles\":[\"admin\"]}", "allow")]
    public async Task ClaimNestedPath_WalksObjects(string claims, string expected)
        => Assert.Equal(expected, await DecideAsync(Allow(new RuleConfig { Claim = "realm_access.roles", AnyOf = ["admin", "ops"] }), claims));

    [Theory]
    [InlineData("{\"scope\":\"openid orders:read\"}", "allow")]
    [InlineData("{\"scp\":[\"orders:read\"]}", "allow")]
    [InlineData("{\"scp\":\"profile orders:read\"}", "allow")]
    [InlineData("{\"scope\":\"orders:read:all\"}", "403")]
    [InlineData("{\"scope\":\"orders\"}", "403")]
    public async Task Scope_SpaceDelimitedOrScp(string claims, string expected)
        => Assert.Equal(expected, await DecideAsync(Allow(new RuleConfig { Scope = "orders:read" }), claims));

    [Fact]
    public async Task IssuerAndSubject_Exact()
    {
        var route = Allow(new RuleConfig { All = [new RuleConfig { Issuer = "https://idp.test" }, new RuleConfig { Subject = "alice" }] });

        Assert.Equal("allow", await DecideAsync(route, "{\"iss\":\"https://idp.test\",\"sub\":\"alice\"}"));
        Assert.Equal("403", await DecideAsync(route, "{\"iss\":\"https://idp.test\",\"sub\":\"alice2\"}"));
    }

    [Theory]
    [InlineData("GET https://api.test/api/x", "allow")]
    [InlineData("POST https://api.test/api/x", "403")]
    [InlineData("PURGE https://api.test/api/x", "allow")]
    public async Task Method_KnownAndOther(string request, string expected)
        => Assert.Equal(expected, await DecideAsync(Allow(new RuleConfig { Method = ["GET", "PURGE"] }), "{}", request));

    [Theory]
    [InlineData("GET https://api.test/api/orders", "allow")]
    [InlineData("GET https://api.test/api/orders/7/items", "allow")]
    [InlineData("GET https://api.test/api/ordersX", "403")]
    [InlineData("GET https://api.test/api/other", "403")]
    public async Task Path_Subtree(string request, string expected)
        => Assert.Equal(expected, await DecideAsync(Allow(new RuleConfig { Path = "/api/orders/**" }), "{}", request));

    [Fact]
    public async Task Header_EqualsAndPresent()
    {
        var equals = Allow(new RuleConfig { Header = "x-env", EqualsValue = "prod" });
        var absent = Allow(new RuleConfig { Header = "x-debug", Present = false });

        Assert.Equal("allow", await DecideAsync(equals, "{}", headers: h => h.Add("X-Env", "prod")));
        Assert.Equal("403", await DecideAsync(equals, "{}", headers: h => h.Add("X-Env", "production")));
        Assert.Equal("allow", await DecideAsync(absent, "{}"));
        Assert.Equal("403", await DecideAsync(absent, "{}", headers: h => h.Add("x-debug", "1")));
    }

    [Theory]
    [InlineData("10.1.2.3", "allow")]
    [InlineData("11.0.0.1", "403")]
    [InlineData("2001:db8::1", "allow")]
    [InlineData("2001:db9::1", "403")]
    [InlineData("::ffff:10.9.9.9", "allow")]
    public async Task Source_Cidr(string address, string expected)
    {
        var route = Allow(new RuleConfig { Source = ["10.0.0.0/8", "2001:db8::/32"] });

        Assert.Equal(expected, await DecideAsync(route, "{}", client: new ClientIdentity(IPAddress.Parse(address), null, [], [])));
    }

    [Fact]
    public async Task Source_UnknownAddress_NoMatch()
        => Assert.Equal("403", await DecideAsync(Allow(new RuleConfig { Source = ["0.0.0.0/0"] }), "{}"));

    [Fact]
    public async Task ClientCert_UriSanPrefixAndSubject()
    {
        var route = Allow(new RuleConfig { ClientCert = new ClientCertRuleConfig { UriSan = "spiffe://corp/ns/ops/*" } });
        var ops = new ClientIdentity(IPAddress.Loopback, "CN=ops", ["spiffe://corp/ns/ops/sa/deployer"], []);
        var dev = new ClientIdentity(IPAddress.Loopback, "CN=dev", ["spiffe://corp/ns/dev/sa/x"], []);

        Assert.Equal("allow", await DecideAsync(route, "{}", client: ops));
        Assert.Equal("403", await DecideAsync(route, "{}", client: dev));
        Assert.Equal("403", await DecideAsync(route, "{}"));
    }

    [Theory]
    [InlineData("2026-11-30T09:00:00Z", "allow")] // Monday 09:00
    [InlineData("2026-11-30T18:00:00Z", "403")] // end is exclusive
    [InlineData("2026-11-29T09:00:00Z", "403")] // Sunday
    public async Task TimeWindow_DaysAndHours(string now, string expected)
    {
        var route = Allow(new RuleConfig { Time = new TimeWindowConfig { From = "08:00", To = "18:00", Days = ["mon", "tue", "wed", "thu", "fri"] } });

        Assert.Equal(expected, await DecideAsync(route, "{}", time: new ManualTimeProvider(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Theory]
    [InlineData("2026-11-30T23:00:00Z", "allow")]
    [InlineData("2026-12-01T02:00:00Z", "allow")] // Tuesday early morning belongs to Monday's window
    [InlineData("2026-12-01T12:00:00Z", "403")]
    public async Task TimeWindow_WrapsMidnight(string now, string expected)
    {
        var route = Allow(new RuleConfig { Time = new TimeWindowConfig { From = "22:00", To = "06:00", Days = ["mon"] } });

        Assert.Equal(expected, await DecideAsync(route, "{}", time: new ManualTimeProvider(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task Combinators_AllAnyNot()
    {
        var route = Allow(new RuleConfig
        {
            All =
            [
                new RuleConfig { Any = [new RuleConfig { Claim = "roles", Contains = "a" }, new RuleConfig { Claim = "roles", Contains = "b" }] },
                new RuleConfig { Not = new RuleConfig { Claim = "blocked", EqualsValue = "true" } },
            ],
        });

        Assert.Equal("allow", await DecideAsync(route, "{\"roles\":[\"b\"]}"));
        Assert.Equal("403", await DecideAsync(route, "{\"roles\":[\"b\"],\"blocked\":true}"));
        Assert.Equal("403", await DecideAsync(route, "{\"roles\":[\"c\"]}"));
    }

    [Fact]
    public async Task DenyOverridesAllow()
    {
        var route = Allow(new RuleConfig { Claim = "roles", Contains = "reader" }) with { Deny = [new RuleConfig { Claim = "suspended", EqualsValue = "true" }] };

        Assert.Equal("allow", await DecideAsync(route, "{\"roles\":[\"reader\"]}"));
        Assert.Equal("403", await DecideAsync(route, "{\"roles\":[\"reader\"],\"suspended\":true}"));
    }

    [Fact]
    public async Task AuthenticatedRoute_NoPrincipal_401()
        => Assert.Equal("401", await DecideAsync(Allow(new RuleConfig { Authenticated = true }), null));

    [Fact]
    public async Task PublicRoute_SkipsAuthentication_RulesStillApply()
    {
        var open = PolicyDocuments.Route("r", "/api/**") with { Public = true, Allow = [new RuleConfig { Method = ["GET"] }] };

        Assert.Equal("allow", await DecideAsync(open, null));
        Assert.Equal("403", await DecideAsync(open, null, "POST https://api.test/api/x"));
    }

    [Fact]
    public async Task UnmatchedRequest_404()
        => Assert.Equal("404", await DecideAsync(Allow(new RuleConfig { Authenticated = true }), "{}", "GET https://api.test/elsewhere"));

    [Fact]
    public async Task AuditMode_RefusalLetThrough_Counted()
    {
        var document = PolicyDocuments.WithRoutes(Allow(new RuleConfig { Claim = "roles", Contains = "reader" }) with { Mode = "audit" });
        await using var policy = await GateHarness.CompileAsync(document);
        var gate = new PolicyGate(policy);

        var noToken = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", null, null, null, out var info);
        var writer = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", TestHeaders.Bearer(TestKeys.Token(roles: "[\"writer\"]")));
        var reader = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", TestHeaders.Bearer(TestKeys.Token()));
        var doubled = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", new DictionaryRequestHeaders().Add("authorization", "Bearer a").Add("authorization", "Bearer b"));

        Assert.Equal(GateVerdict.Allow, noToken.Verdict);
        Assert.True(info.Shadow);
        Assert.Equal(401, info.Status);
        Assert.Equal(GateVerdict.Allow, writer.Verdict);
        Assert.Equal(GateVerdict.Allow, reader.Verdict);
        Assert.Equal(400, doubled.Status);
        Assert.Equal(2, Volatile.Read(ref policy.Counters.ShadowDenied));
        Assert.Equal(1, Volatile.Read(ref policy.Counters.ShadowAllowed));
        Assert.Equal(0, Volatile.Read(ref policy.Counters.Denied403));
    }

    [Fact]
    public async Task RouteProviders_TokenFromOtherProvider_401()
    {
        var document = new PolicyDocument
        {
            Identity = new IdentityConfig
            {
                Providers =
                [
                    PolicyDocuments.Provider(TestKeys.RsaPublicPem),
                    PolicyDocuments.Provider(TestKeys.OtherRsaPublicPem) with { Name = "partner", Issuer = "https://partner.test" },
                ],
            },
            Routes = [PolicyDocuments.Route("r", "/api/**", new RuleConfig { Authenticated = true }) with { Providers = ["partner"] }],
        };
        await using var policy = await GateHarness.CompileAsync(document);
        var gate = new PolicyGate(policy);
        var partnerToken = TestKeys.Token(extra: new() { ["iss"] = "\"https://partner.test\"" }, credentials: TestKeys.OtherRsaCredentials());

        var idp = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", TestHeaders.Bearer(TestKeys.Token()));
        var partner = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", TestHeaders.Bearer(partnerToken));

        Assert.Equal(401, idp.Status);
        Assert.Contains("issuer_not_accepted", GateHarness.Body(idp), StringComparison.Ordinal);
        Assert.Equal(GateVerdict.Allow, partner.Verdict);
    }

    [Fact]
    public async Task CookieToken_Accepted_QueryTokenOnlyWhenRouteOptsIn()
    {
        var token = TestKeys.Token();
        var document = PolicyDocuments.Peers() with
        {
            Identity = PolicyDocuments.Peers().Identity with { Token = new TokenSourceConfig { Cookie = "fp_token" } },
        };
        await using var policy = await GateHarness.CompileAsync(document);
        var gate = new PolicyGate(policy);

        var cookie = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", new DictionaryRequestHeaders().Add("Cookie", "a=b; fp_token=" + token + "; c=d"));
        var query = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x?access_token=" + token);

        Assert.Equal(GateVerdict.Allow, cookie.Verdict);
        Assert.Equal(401, query.Status);

        var optIn = PolicyDocuments.Peers() with { Routes = [PolicyDocuments.Peers().Routes[0] with { QueryToken = true }] };
        await using var optInPolicy = await GateHarness.CompileAsync(optIn);
        Assert.Equal(GateVerdict.Allow, GateHarness.Evaluate(new PolicyGate(optInPolicy), optInPolicy, "GET", "https://api.test/api/x?a=1&access_token=" + token).Verdict);
    }

    [Fact]
    public async Task EcdsaProviderKey_Es256Token_Allows()
    {
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers(TestKeys.Ec.ExportSubjectPublicKeyInfoPem()));

        var decision = GateHarness.Evaluate(new PolicyGate(policy), policy, "GET", "https://api.test/api/x", TestHeaders.Bearer(TestKeys.Token(credentials: TestKeys.EcCredentials())));

        Assert.Equal(GateVerdict.Allow, decision.Verdict);
    }
}
