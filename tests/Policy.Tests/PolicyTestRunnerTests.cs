using FastProxy.Policy.Config;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests;

public sealed class PolicyTestRunnerTests
{
    private static PolicyDocument WithTests(params PolicyTestConfig[] tests) => PolicyDocuments.Peers() with { Tests = tests };

    private static PolicyTestConfig Case(string request, string? claims, string expect, string name = "")
        => new() { Name = name, Request = request, Claims = claims is null ? null : PolicyCompilerTests.Json(claims), Expect = expect };

    [Fact]
    public async Task RunAsync_MixedExpectations_ReportsEachCase()
    {
        var document = WithTests(
            Case("GET https://api.test/api/orders/1", "{\"roles\":[\"reader\"]}", "allow", "reader reads"),
            Case("GET https://api.test/api/orders/1", "{\"roles\":[\"writer\"]}", "403", "writer refused"),
            Case("GET https://api.test/api/orders/1", null, "401", "anonymous"),
            Case("POST https://api.test/api/orders/1", "{\"roles\":[\"reader\"]}", "deny", "post not routed"),
            Case("GET https://api.test/other", "{\"roles\":[\"reader\"]}", "404", "unrouted"),
            Case("GET https://api.test/api/orders/1", "{\"roles\":[\"writer\"]}", "allow", "deliberately wrong"));

        var (compile, tests) = await PolicyTestRunner.RunAsync(document, null, CancellationToken.None);

        Assert.Empty(compile.Errors);
        Assert.Equal([true, true, true, true, true, false], tests.Select(t => t.Passed));
        Assert.Equal("405", tests[3].Actual);
        Assert.Equal("403", tests[5].Actual);
        Assert.Contains("route 'api'", tests[5].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BadRequestLine_FailsWithDetail()
    {
        var (_, tests) = await PolicyTestRunner.RunAsync(WithTests(Case("GET api/orders", "{}", "allow")), null, CancellationToken.None);

        Assert.False(tests[0].Passed);
        Assert.Contains("not a request", tests[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BadExpectation_Fails()
    {
        var (_, tests) = await PolicyTestRunner.RunAsync(WithTests(Case("GET https://api.test/api/x", "{}", "maybe")), null, CancellationToken.None);

        Assert.False(tests[0].Passed);
    }

    [Fact]
    public async Task RunAsync_RemoteProvider_NoKeyFetchNeeded()
    {
        var document = PolicyDocuments.Peers(provider: PolicyDocuments.Provider() with { Keys = [], JwksUri = "http://127.0.0.1:9/jwks" }) with
        {
            Tests = [Case("GET https://api.test/api/x", "{\"roles\":[\"reader\"]}", "allow")],
        };

        var (compile, tests) = await PolicyTestRunner.RunAsync(document, null, CancellationToken.None);

        Assert.Empty(compile.Errors);
        Assert.True(tests[0].Passed);
    }

    [Fact]
    public async Task RunAsync_SourceAndHeaders_Used()
    {
        var route = PolicyDocuments.Route("r", "/**", new RuleConfig { All = [new RuleConfig { Source = ["10.0.0.0/8"] }, new RuleConfig { Header = "x-env", EqualsValue = "prod" }] });
        var document = PolicyDocuments.WithRoutes(route) with
        {
            Tests =
            [
                new PolicyTestConfig { Request = "GET https://a.test/", Claims = PolicyCompilerTests.Json("{}"), Source = "10.0.0.1", Headers = new Dictionary<string, string> { ["x-env"] = "prod" }, Expect = "allow" },
                new PolicyTestConfig { Request = "GET https://a.test/", Claims = PolicyCompilerTests.Json("{}"), Source = "192.168.0.1", Headers = new Dictionary<string, string> { ["x-env"] = "prod" }, Expect = "403" },
            ],
        };

        var (_, tests) = await PolicyTestRunner.RunAsync(document, null, CancellationToken.None);

        Assert.All(tests, t => Assert.True(t.Passed, t.Detail));
    }
}
