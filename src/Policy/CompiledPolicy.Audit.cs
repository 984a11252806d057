using FastProxy.Core.Gate;
using FastProxy.Policy.Evaluation;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Responses;

namespace FastProxy.Policy;

public sealed partial class CompiledPolicy
{
    /// <summary>Turns the evaluator's decision info into the protocol-neutral audit reasons (no allocation after the first use of a rule).</summary>
    internal GateAudit ToAudit(in PolicyDecisionInfo info)
    {
        var route = (uint)info.RouteIndex < (uint)_routes.Length ? _routes[info.RouteIndex] : null;
        string? rule = null;
        string? predicate = null;
        if (route is not null && info.RuleIndex >= 0)
        {
            rule = route.RulePath(info.DecidedByDeny, info.RuleIndex);
            predicate = route.RulePredicate(info.DecidedByDeny, info.RuleIndex);
        }

        var reason = Reason(info, route);
        var shadowVerdict = route is { IsAudit: true } ? (info.Shadow ? "deny" : "allow") : null;
        return new GateAudit(Version, info.RouteId, reason, rule, predicate, route?.IsAudit ?? false, shadowVerdict, info.Issuer, info.Subject);
    }

    private static string Reason(in PolicyDecisionInfo info, CompiledRoute? route)
    {
        if (info.Failure != AuthFailure.None)
        {
            return AuthFailureCodes.Get(info.Failure);
        }

        if (route is null)
        {
            return "no_route";
        }

        // The only 400 that is no authentication failure: a header a rule compares came twice.
        if (info.Status == 400)
        {
            return DenyResponses.RepeatedHeaderReason;
        }

        if (info.Status == 405)
        {
            return DenyResponses.MethodCaseReason;
        }

        var refused = info.Status != 0 || info.Shadow;
        if (!refused)
        {
            return info.RuleIndex < 0 && route.IsPublic ? "public" : "allowed";
        }

        return info.DecidedByDeny ? "denied_by_rule" : "no_rule_matched";
    }
}
