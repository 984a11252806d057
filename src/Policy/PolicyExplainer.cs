using System.Globalization;
using System.Text;
using System.Text.Json;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;
using FastProxy.Policy.Evaluation;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Responses;
using FastProxy.Policy.Testing;

namespace FastProxy.Policy;

/// <summary>
/// `fastproxy policy explain`: for one request and a principal (claims JSON, or a token that is
/// validated in full), prints the route, the decision and, rule by rule, why it matched or not.
/// </summary>
public static class PolicyExplainer
{
    /// <param name="policy">A compiled policy (with keys fetched, if a token is given).</param>
    /// <param name="request">"GET https://host/path?query".</param>
    /// <param name="claimsOrToken">A JSON object of claims, a compact JWS, or null for an anonymous request.</param>
    public static IReadOnlyList<string> Explain(CompiledPolicy policy, string request, string? claimsOrToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(request);
        var lines = new List<string> { "policy " + policy.Version };
        var parsed = TestRequest.TryParse(request, out var error);
        if (parsed is null)
        {
            lines.Add("error: " + error);
            return lines;
        }

        lines.Add($"request {parsed.MethodText} {parsed.HostText}{parsed.PathText}");
        var match = parsed.Match(policy.Routes, out var routeIndex);
        if (match != RouteMatchKind.Matched)
        {
            lines.Add(match == RouteMatchKind.NoRoute ? "route: none matches" : "route: a route matches host and path, but not the method");
            lines.Add("decision: deny " + (match == RouteMatchKind.NoRoute ? "404" : "405") + " (unmatched requests are refused)");
            return lines;
        }

        var route = policy.GetRoute(routeIndex);
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"route: routes[{routeIndex}] '{route.Id}' (host {route.Host ?? "*"}, path {route.Path.Text}, {(route.IsPublic ? "public" : "authenticated")}{(route.IsAudit ? ", audit mode" : "")})"));

        var headers = new DictionaryRequestHeaders();
        var gateRequest = parsed.ToGateRequest(routeIndex, headers, ClientIdentity.Unknown);
        Principal? principal = null;
        if (route.IsPublic)
        {
            lines.Add("identity: public route, authentication skipped");
        }
        else if (string.IsNullOrWhiteSpace(claimsOrToken))
        {
            lines.Add("identity: no credential");
        }
        else if (claimsOrToken.TrimStart().StartsWith('{'))
        {
            try
            {
                using var claims = JsonDocument.Parse(claimsOrToken);
                principal = PrincipalBuilder.Build(claims.RootElement, policy.Claims, -1, policy.RouteCount, 0, null, 0);
                lines.Add($"identity: claims given (not verified): iss={principal.Issuer}, sub={principal.Subject ?? "(absent)"}");
            }
            catch (JsonException ex)
            {
                lines.Add("error: claims are not valid JSON: " + ex.Message);
                return lines;
            }
        }
        else
        {
            var failure = policy.ValidateForExplain(Encoding.ASCII.GetBytes(claimsOrToken.Trim()), route, out principal);
            if (failure != AuthFailure.None)
            {
                var denial = DenyResponses.For(failure);
                lines.Add("identity: token refused: " + DenyResponses.ReasonOf(failure));
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"decision: deny {denial.Status}{(route.IsAudit ? " (audit mode: would be let through)" : "")}"));
                return lines;
            }

            lines.Add($"identity: token valid: iss={principal!.Issuer}, sub={principal.Subject ?? "(absent)"}");
        }

        var context = new EvalContext(gateRequest, principal, policy.Time.GetUtcNow().UtcTicks);
        for (var i = 0; i < route.Deny.Length; i++)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"deny[{i}]:"));
            route.Deny[i].Explain(context, lines, 1);
        }

        for (var i = 0; i < route.Allow.Length; i++)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"allow[{i}]:"));
            route.Allow[i].Explain(context, lines, 1);
        }

        var decision = policy.DecideAs(gateRequest, principal, out var info);
        var verdict = decision.Verdict == GateVerdict.Allow ? "allow" : "deny " + decision.Status.ToString(CultureInfo.InvariantCulture);
        lines.Add($"decision: {verdict} ({PolicyTestRunner.Describe(info)})");
        return lines;
    }
}
