using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Policy.Config;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Tests.TestSupport;
using FastProxy.Policy.Upstream;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.Upstream;

/// <summary>Identity injected upstream: claim headers, the proxy-signed assertion, caching per (token, route).</summary>
public sealed class RouteUpstreamPlanTests
{
    private static PolicyDocument Document(bool forwardAuthorization = false) => PolicyDocuments.Peers() with
    {
        Routes =
        [
            PolicyDocuments.Peers().Routes[0] with
            {
                UpstreamIdentity = new UpstreamIdentityConfig
                {
                    Headers = new Dictionary<string, string> { ["X-User"] = "sub", ["x-roles"] = "roles", ["x-tenant"] = "org.tenant" },
                    Assertion = true,
                    ForwardAuthorization = forwardAuthorization,
                },
            },
        ],
    };

    private static string Render(GateDecision decision) => HeaderLines.Render(decision.UpstreamIdentity!.Headers);

    [Fact]
    public async Task Allow_ClaimHeadersAndVerifiableAssertion()
    {
        using var key = ProxyAssertionKey.Generate();
        var time = new ManualTimeProvider();
        var result = await PolicyCompiler.CompileAsync(Document(), new PolicyCompileOptions { AssertionKey = key, Time = time }, CancellationToken.None);
        await using var policy = result.Policy!;
        var gate = new PolicyGate(policy);
        var token = TestKeys.Token(time, roles: "[\"reader\",\"auditor\"]", extra: new() { ["org"] = "{\"tenant\":\"acme\"}" });

        var decision = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", TestHeaders.Bearer(token));
        var headers = Render(decision);

        Assert.False(decision.ForwardAuthorization);
        Assert.Contains("x-user: alice\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("x-roles: reader,auditor\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("x-tenant: acme\r\n", headers, StringComparison.Ordinal);
        var assertion = headers.Split("\r\n").Single(l => l.StartsWith(RouteUpstreamPlan.AssertionHeader + ": ", StringComparison.Ordinal))[(RouteUpstreamPlan.AssertionHeader.Length + 2)..];

        var keys = KeyLoader.ParseJson(Encoding.UTF8.GetBytes(gate.ProxyJwksJson), allowSingleKey: false);
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            ValidIssuer = "fastproxy",
            ValidAudience = "orders",
            IssuerSigningKeys = keys,
            ValidAlgorithms = ["ES256"],
            LifetimeValidator = (_, expires, _, _) => expires > time.GetUtcNow().UtcDateTime,
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("alice", jwt.Subject);
        Assert.Equal("api", jwt.GetPayloadValue<string>("fp_route"));
        Assert.Equal(policy.Version, jwt.GetPayloadValue<string>("fp_policy"));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.DoesNotContain("\"d\"", gate.ProxyJwksJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allow_SameTokenTwice_SameRenderedIdentity_RenewedNearAssertionExpiry()
    {
        var time = new ManualTimeProvider();
        var result = await PolicyCompiler.CompileAsync(Document(forwardAuthorization: true), new PolicyCompileOptions { Time = time }, CancellationToken.None);
        await using var policy = result.Policy!;
        var gate = new PolicyGate(policy);
        var headers = TestHeaders.Bearer(TestKeys.Token(time));

        var first = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", headers);
        var second = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", headers);
        time.Advance(TimeSpan.FromSeconds(50));
        var third = GateHarness.Evaluate(gate, policy, "GET", "https://api.test/api/x", headers);

        Assert.True(first.ForwardAuthorization);
        Assert.Same(first.UpstreamIdentity, second.UpstreamIdentity);
        Assert.NotSame(first.UpstreamIdentity, third.UpstreamIdentity);
    }

    [Fact]
    public async Task InjectedHeaderNames_ListsEveryInjectedHeader()
    {
        await using var policy = await GateHarness.CompileAsync(Document());

        Assert.Equal([RouteUpstreamPlan.AssertionHeader, "x-roles", "x-tenant", "x-user"], policy.InjectedHeaderNames.Order(StringComparer.Ordinal));
        Assert.Equal(4, policy.GetInjectedHeaderNames(0).Count);
    }

    [Fact]
    public async Task ClaimWithControlCharacters_StrippedFromHeader()
    {
        await using var policy = await GateHarness.CompileAsync(Document());
        var token = TestKeys.Token(extra: new() { ["sub"] = "\"alice\\r\\nx-admin: true\"" });

        var headers = Render(GateHarness.Evaluate(new PolicyGate(policy), policy, "GET", "https://api.test/api/x", TestHeaders.Bearer(token)));

        Assert.Contains("x-user: alicex-admin: true\r\n", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\nx-admin", headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoUpstreamIdentityConfigured_NullIdentity()
    {
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers());

        var decision = GateHarness.Evaluate(new PolicyGate(policy), policy, "GET", "https://api.test/api/x", TestHeaders.Bearer(TestKeys.Token()));

        Assert.Null(decision.UpstreamIdentity);
        Assert.True(decision.ForwardAuthorization);
        Assert.Equal([RouteUpstreamPlan.AssertionHeader], policy.InjectedHeaderNames);
        Assert.Empty(policy.GetInjectedHeaderNames(0));
        Assert.Equal("{\"keys\":[]}", policy.ProxyJwksJson);
    }
}
