using System.Text.Json;
using FastProxy.Core.Gate;
using FastProxy.Policy.Config;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests.Evaluation;

/// <summary>
/// The rules see what the upstream will act on (issue 10, item 5): repeated headers a rule
/// compares, paths in another case on a case-insensitive route, a trailing slash, method case.
/// </summary>
public sealed class UpstreamViewRuleTests
{
    private const string Tenant = "x-tenant";

    private static async Task<string> DecideAsync(RouteConfig route, string request, Action<DictionaryRequestHeaders>? headers = null)
    {
        var result = await PolicyCompiler.CompileAsync(PolicyDocuments.WithRoutes(route), new PolicyCompileOptions { FetchKeys = false }, CancellationToken.None);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        await using var policy = result.Policy!;
        var dictionary = new DictionaryRequestHeaders();
        headers?.Invoke(dictionary);
        var claims = JsonDocument.Parse("{\"roles\":[\"reader\"]}").RootElement.Clone();
        return PolicyTestRunner.Decide(policy, TestRequest.TryParse(request, out _)!, dictionary, ClientIdentity.Unknown, claims, out _);
    }

    private static RouteConfig Route(string path, RuleConfig[] allow, RuleConfig[]? deny = null, bool caseInsensitive = false, string mode = "enforce") => new()
    {
        Id = "r",
        Match = new RouteMatchConfig { Path = path },
        Cluster = "c",
        Allow = allow,
        Deny = deny ?? [],
        CaseInsensitivePaths = caseInsensitive,
        Mode = mode,
    };

    private static RuleConfig Reader => new() { Claim = "roles", Contains = "reader" };

    [Theory]
    [InlineData("a", "admin")]
    [InlineData("admin", "a")]
    public async Task HeaderDeny_RepeatedHeaderOneCopyDenied_RefusedWith400(string first, string second)
    {
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Header = Tenant, EqualsValue = "admin" }]);
        Assert.Equal("400", await DecideAsync(route, "GET https://api.test/api/x", h => h.Add(Tenant, first).Add("X-Tenant", second)));
    }

    [Fact]
    public async Task HeaderAllow_RepeatedHeaderOtherCopyDiffers_RefusedWith400()
    {
        var route = Route("/api/**", [new RuleConfig { All = [Reader, new RuleConfig { Header = Tenant, EqualsValue = "a" }] }]);
        Assert.Equal("400", await DecideAsync(route, "GET https://api.test/api/x", h => h.Add(Tenant, "a").Add(Tenant, "b")));
        Assert.Equal("allow", await DecideAsync(route, "GET https://api.test/api/x", h => h.Add(Tenant, "a")));
    }

    [Fact]
    public async Task HeaderDeny_SingleCopy_JudgedAsBefore()
    {
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Header = Tenant, EqualsValue = "admin" }]);
        Assert.Equal("403", await DecideAsync(route, "GET https://api.test/api/x", h => h.Add(Tenant, "admin")));
        Assert.Equal("allow", await DecideAsync(route, "GET https://api.test/api/x", h => h.Add(Tenant, "a").Add("x-other", "1").Add("x-other", "2")));
    }

    [Fact]
    public async Task HeaderDenyNestedInNot_RepeatedHeader_RefusedWith400()
    {
        var route = Route("/api/**", [new RuleConfig { All = [Reader, new RuleConfig { Not = new RuleConfig { Header = Tenant, EqualsValue = "admin" } }] }]);
        Assert.Equal("400", await DecideAsync(route, "GET https://api.test/api/x", h => h.Add(Tenant, "a").Add(Tenant, "admin")));
    }

    [Fact]
    public async Task HeaderPresentRule_RepeatedHeader_NotAmbiguous()
    {
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Header = Tenant, Present = true }]);
        Assert.Equal("403", await DecideAsync(route, "GET https://api.test/api/x", h => h.Add(Tenant, "a").Add(Tenant, "b")));
    }

    [Fact]
    public async Task HeaderRule_RepeatedHeaderOnAuditRoute_StillRefused()
    {
        // Like two Authorization headers: an ambiguous request is refused in every mode.
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Header = Tenant, EqualsValue = "admin" }], mode: "audit");
        Assert.Equal("400", await DecideAsync(route, "GET https://api.test/api/x", h => h.Add(Tenant, "a").Add(Tenant, "admin")));
    }

    [Fact]
    public async Task HeaderRule_RepeatedHeader_AuditReasonRepeatedHeader()
    {
        var document = PolicyDocuments.Peers() with
        {
            Routes = [PolicyDocuments.Peers().Routes[0] with { Deny = [new RuleConfig { Header = Tenant, EqualsValue = "admin" }] }],
        };
        await using var policy = await GateHarness.CompileAsync(document);
        var gate = new PolicyGate(policy);
        var headers = TestHeaders.Bearer(TestKeys.Token()).Add(Tenant, "a").Add(Tenant, "admin");
        var view = new GateRequest(0, RequestMethod.Get, "GET"u8, "api.test"u8, "/api/orders/7"u8, default, headers, ClientIdentity.Unknown);
        var decision = ((IRequestGate)gate).Evaluate(view, out var audit);
        Assert.Equal(400, decision.Status);
        Assert.Equal("repeated_header", audit.Reason);
        Assert.Contains("repeated_header", GateHarness.Body(decision), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/ADMIN/users")]
    [InlineData("/API/Admin")]
    [InlineData("/api/admin/")]
    public async Task PathDeny_CaseInsensitiveRoute_OtherCaseDenied(string path)
    {
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Path = "/api/admin/**" }], caseInsensitive: true);
        Assert.Equal("403", await DecideAsync(route, "GET https://api.test" + path));
    }

    [Fact]
    public async Task PathDeny_CaseSensitiveRouteByDefault_OtherCaseNotDenied()
    {
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Path = "/api/admin/**" }]);
        Assert.Equal("allow", await DecideAsync(route, "GET https://api.test/api/ADMIN/users"));
    }

    [Theory]
    [InlineData("/api/admin")]
    [InlineData("/api/admin/")]
    public async Task PathDenyExact_TrailingSlash_Denied(string path)
    {
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Path = "/api/admin" }]);
        Assert.Equal("403", await DecideAsync(route, "GET https://api.test" + path));
    }

    [Theory]
    [InlineData("DELETE", "403")]
    [InlineData("delete", "405")]
    [InlineData("Delete", "405")]
    [InlineData("GET", "allow")]
    [InlineData("get", "allow")]
    public async Task MethodDeny_MethodInOtherCase_RefusedNotFolded(string method, string expected)
    {
        // RFC 9110 §9.1: "delete" is not DELETE, so the rule does not match it (no folding); but an
        // upstream folding case would run DELETE, so a method a rule names, in another case, is refused.
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Method = ["DELETE"] }]);
        Assert.Equal(expected, await DecideAsync(route, method + " https://api.test/api/x"));
    }

    [Fact]
    public async Task MethodAllow_LowerCaseTokenNamed_OnlyThatExactToken()
    {
        var route = Route("/api/**", [new RuleConfig { All = [Reader, new RuleConfig { Method = ["purge"] }] }]);
        Assert.Equal("allow", await DecideAsync(route, "purge https://api.test/api/x"));
        Assert.Equal("405", await DecideAsync(route, "PURGE https://api.test/api/x"));
    }

    [Fact]
    public async Task MethodDeny_MethodInOtherCaseOnAuditRoute_StillRefused()
    {
        var route = Route("/api/**", [Reader], deny: [new RuleConfig { Method = ["DELETE"] }], mode: "audit");
        Assert.Equal("405", await DecideAsync(route, "delete https://api.test/api/x"));
    }

    [Fact]
    public async Task RouteListingMethods_LowerCaseMethod_405()
    {
        var route = Route("/api/**", [Reader]) with { Match = new RouteMatchConfig { Path = "/api/**", Methods = ["GET", "DELETE"] } };
        Assert.Equal("405", await DecideAsync(route, "delete https://api.test/api/x"));
    }
}
