using FastProxy.Policy.Config;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests;

public sealed class PolicyExplainerTests : IAsyncLifetime
{
    private CompiledPolicy _policy = null!;

    public async Task InitializeAsync()
    {
        var document = PolicyDocuments.Peers() with
        {
            Routes =
            [
                PolicyDocuments.Peers().Routes[0] with
                {
                    Deny = [new RuleConfig { Claim = "suspended", EqualsValue = "true" }],
                    Allow =
                    [
                        new RuleConfig { Claim = "roles", Contains = "admin" },
                        new RuleConfig { All = [new RuleConfig { Claim = "roles", Contains = "reader" }, new RuleConfig { Scope = "orders:read" }] },
                    ],
                },
            ],
        };
        _policy = await GateHarness.CompileAsync(document);
    }

    public async Task DisposeAsync() => await _policy.DisposeAsync();

    [Fact]
    public void Explain_ClaimsAllowed_ShowsRouteRulesAndDecision()
    {
        var lines = PolicyExplainer.Explain(_policy, "GET https://api.test/api/orders/7", "{\"sub\":\"alice\",\"roles\":[\"reader\"],\"scope\":\"orders:read\"}");
        var text = string.Join("\n", lines);

        Assert.StartsWith("policy " + _policy.Version, lines[0], StringComparison.Ordinal);
        Assert.Contains("route: routes[0] 'api'", text, StringComparison.Ordinal);
        Assert.Contains("no match claim suspended equals true (suspended = (absent))", text, StringComparison.Ordinal);
        Assert.Contains("no match claim roles contains admin (roles = [reader])", text, StringComparison.Ordinal);
        Assert.Contains("match    all", text, StringComparison.Ordinal);
        Assert.Contains("match    scope: orders:read", text, StringComparison.Ordinal);
        Assert.Equal("decision: allow (route 'api': allow[1] matched)", lines[^1]);
    }

    [Fact]
    public void Explain_ValidToken_Validated()
    {
        var token = TestKeys.Token(extra: new() { ["scope"] = "\"orders:read\"" });

        var lines = PolicyExplainer.Explain(_policy, "GET https://api.test/api/orders/7", token);

        Assert.Contains(lines, l => l.StartsWith("identity: token valid: iss=https://idp.test, sub=alice", StringComparison.Ordinal));
        Assert.StartsWith("decision: allow", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_ExpiredToken_401()
    {
        var now = TestKeys.Now();
        var token = TestKeys.Token(extra: new() { ["exp"] = (now - 3600).ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var lines = PolicyExplainer.Explain(_policy, "GET https://api.test/api/orders/7", token);

        Assert.Contains("identity: token refused: token_expired", lines);
        Assert.Equal("decision: deny 401", lines[^1]);
    }

    [Fact]
    public void Explain_NoRoute_404()
        => Assert.Equal("decision: deny 404 (unmatched requests are refused)", PolicyExplainer.Explain(_policy, "GET https://api.test/nope", null)[^1]);

    [Fact]
    public void Explain_Suspended_DenyRuleNamed()
    {
        var lines = PolicyExplainer.Explain(_policy, "GET https://api.test/api/x", "{\"roles\":[\"admin\"],\"suspended\":true}");

        Assert.Equal("decision: deny 403 (route 'api': deny[0] matched)", lines[^1]);
    }
}
