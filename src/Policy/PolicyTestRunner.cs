using System.Globalization;
using System.Net;
using System.Text.Json;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;
using FastProxy.Policy.Config;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Testing;

namespace FastProxy.Policy;

/// <summary>
/// Runs a policy document's `tests:` (request + claims -> expected decision). Claims stand for an
/// already validated token: no signature is involved, so tests need no keys. `expect` is allow,
/// deny (any refusal) or a status (401, 403, 404, 405).
/// </summary>
public static class PolicyTestRunner
{
    /// <summary>Runs <paramref name="document"/>'s tests against its compiled form <paramref name="policy"/>.</summary>
    public static IReadOnlyList<PolicyTestResult> Run(CompiledPolicy policy, PolicyDocument document)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(document);
        var results = new List<PolicyTestResult>(document.Tests.Count);
        for (var i = 0; i < document.Tests.Count; i++)
        {
            results.Add(RunOne(policy, document.Tests[i], i));
        }

        return results;
    }

    /// <summary>Compiles <paramref name="document"/> without fetching keys and runs its tests (`fastproxy policy test FILE`).</summary>
    public static async Task<(PolicyCompileResult Compile, IReadOnlyList<PolicyTestResult> Tests)> RunAsync(PolicyDocument document, PolicyCompileOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var baseOptions = options ?? new PolicyCompileOptions();
        var compileOptions = new PolicyCompileOptions
        {
            BaseDirectory = baseOptions.BaseDirectory,
            Time = baseOptions.Time,
            LoggerFactory = baseOptions.LoggerFactory,
            HttpHandler = baseOptions.HttpHandler,
            FetchKeys = false,
            RunTests = false,
            TokenCacheSize = 0,
            AssertionKey = baseOptions.AssertionKey,
        };
        var compile = await PolicyCompiler.CompileAsync(document, compileOptions, cancellationToken);
        if (compile.Policy is null)
        {
            return (compile, []);
        }

        await using var policy = compile.Policy;
        return (compile, Run(policy, document));
    }

    private static PolicyTestResult RunOne(CompiledPolicy policy, PolicyTestConfig test, int index)
    {
        var name = string.IsNullOrEmpty(test.Name) ? string.Create(CultureInfo.InvariantCulture, $"tests[{index}] {test.Request}") : test.Name;
        var expected = test.Expect.Trim().ToLowerInvariant();
        if (expected is not ("allow" or "deny") && !int.TryParse(expected, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return new PolicyTestResult(name, false, test.Expect, "error", "expect must be allow, deny or a status such as 401, 403, 404");
        }

        var request = TestRequest.TryParse(test.Request, out var error);
        if (request is null)
        {
            return new PolicyTestResult(name, false, expected, "error", error!);
        }

        IPAddress? source = null;
        if (test.Source is not null && !IPAddress.TryParse(test.Source, out source))
        {
            return new PolicyTestResult(name, false, expected, "error", $"source '{test.Source}' is not an IP address");
        }

        var headers = new DictionaryRequestHeaders();
        foreach (var (headerName, value) in test.Headers)
        {
            headers.Add(headerName, value);
        }

        var outcome = Decide(policy, request, headers, new ClientIdentity(source, null, [], []), test.Claims, out var detail);
        var passed = expected switch
        {
            "allow" => string.Equals(outcome, "allow", StringComparison.Ordinal),
            "deny" => !string.Equals(outcome, "allow", StringComparison.Ordinal),
            _ => string.Equals(outcome, expected, StringComparison.Ordinal),
        };
        return new PolicyTestResult(name, passed, expected, outcome, detail);
    }

    internal static string Decide(CompiledPolicy policy, TestRequest request, DictionaryRequestHeaders headers, ClientIdentity client, JsonElement? claims, out string detail)
    {
        var match = request.Match(policy.Routes, out var routeIndex);
        if (match != RouteMatchKind.Matched)
        {
            detail = match == RouteMatchKind.NoRoute ? "no route matches" : "a route matches but not this method";
            return match == RouteMatchKind.NoRoute ? "404" : "405";
        }

        Principal? principal = null;
        if (claims is { ValueKind: JsonValueKind.Object } c)
        {
            principal = PrincipalBuilder.Build(c, policy.Claims, -1, policy.RouteCount, 0, null, 0);
        }

        var decision = policy.DecideAs(request.ToGateRequest(routeIndex, headers, client), principal, out var info);
        detail = Describe(info);
        return decision.Verdict == GateVerdict.Allow ? "allow" : decision.Status.ToString(CultureInfo.InvariantCulture);
    }

    internal static string Describe(in PolicyDecisionInfo info)
    {
        var route = info.RouteId is null ? "no route" : $"route '{info.RouteId}'";
        if (info.Failure != AuthFailure.None)
        {
            return $"{route}: {Responses.DenyResponses.ReasonOf(info.Failure)}" + (info.Shadow ? " (shadow mode: let through)" : "");
        }

        if (info.Status == 400)
        {
            return $"{route}: {Responses.DenyResponses.RepeatedHeaderReason} (a header a rule compares appears more than once)";
        }

        if (info.Status == 405)
        {
            return $"{route}: {Responses.DenyResponses.MethodCaseReason} (a method a rule names, in another letter case)";
        }

        var rule = info.RuleIndex < 0 ? "no allow rule matched" : (info.DecidedByDeny ? "deny" : "allow") + "[" + info.RuleIndex.ToString(CultureInfo.InvariantCulture) + "] matched";
        return $"{route}: {rule}" + (info.Shadow ? " (shadow mode: refusal let through)" : "");
    }
}
