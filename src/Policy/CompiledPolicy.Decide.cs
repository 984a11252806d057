using System.Runtime.CompilerServices;
using FastProxy.Core.Gate;
using FastProxy.Policy.Evaluation;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Responses;

namespace FastProxy.Policy;

/// <summary>The per-request decision: authenticate (cache first), deny rules, allow rules, shadow mode.</summary>
public sealed partial class CompiledPolicy
{
    internal GateDecision Decide(in GateRequest request, out PolicyDecisionInfo info)
    {
        var routes = _routes;
        var index = request.RouteIndex;

        // (uint) cast: one compare covers negative and too-large indexes.
        if ((uint)index >= (uint)routes.Length)
        {
            Interlocked.Increment(ref Counters.NoRoute);
            info = new PolicyDecisionInfo(Version, index, null, 404, AuthFailure.None, -1, false, false, null, null);
            return DenyResponses.NotFound;
        }

        var route = routes[index];
        var now = _time.GetUtcNow().UtcTicks;
        Principal? principal = null;
        if (!route.IsPublic)
        {
            var failure = Authenticate(request, route, now, out principal, out var pending);
            if (pending is not null)
            {
                if (pending is not Task<OffLoopVerification>)
                {
                    Interlocked.Increment(ref Counters.KeyRefreshRetries);
                }

                info = new PolicyDecisionInfo(Version, index, route.Id, 0, AuthFailure.UnknownKey, -1, false, false, null, null);
                return GateDecision.Retry(pending);
            }

            if (failure != AuthFailure.None)
            {
                var denial = DenyResponses.For(failure);
                info = new PolicyDecisionInfo(Version, index, route.Id, denial.Status, failure, -1, false, false, null, null);
                return Refuse(route, denial, null, now, ref info);
            }
        }

        return EvaluateRules(route, request, principal, now, out info);
    }

    /// <summary>Decides as if <paramref name="principal"/> had been authenticated (policy tests, explain).</summary>
    internal GateDecision DecideAs(in GateRequest request, Principal? principal, out PolicyDecisionInfo info)
    {
        var route = _routes[request.RouteIndex];
        var now = _time.GetUtcNow().UtcTicks;
        if (route.IsPublic)
        {
            principal = null;
        }
        else if (principal is null)
        {
            var denial = DenyResponses.For(AuthFailure.MissingCredential);
            info = new PolicyDecisionInfo(Version, route.Index, route.Id, denial.Status, AuthFailure.MissingCredential, -1, false, false, null, null);
            return Refuse(route, denial, null, now, ref info);
        }

        return EvaluateRules(route, request, principal, now, out info);
    }

    private GateDecision EvaluateRules(CompiledRoute route, in GateRequest request, Principal? principal, long now, out PolicyDecisionInfo info)
    {
        var index = route.Index;
        var compared = route.ComparedHeaders;
        for (var i = 0; i < compared.Length; i++)
        {
            // A rule must see what the upstream will act on: a header a rule compares may appear
            // once, or the request is ambiguous and refused (in every mode), never half-judged.
            if (request.Headers.Count(compared[i]) > 1)
            {
                info = new PolicyDecisionInfo(Version, index, route.Id, 400, AuthFailure.None, -1, false, false, principal?.Subject, principal?.Issuer);
                return Refuse(route, DenyResponses.RepeatedHeader, principal, now, ref info);
            }
        }

        if (route.ComparedMethods.Length != 0 && route.NamesMethodInOtherCase(request.MethodBytes))
        {
            info = new PolicyDecisionInfo(Version, index, route.Id, 405, AuthFailure.None, -1, false, false, principal?.Subject, principal?.Issuer);
            return Refuse(route, DenyResponses.MethodCase, principal, now, ref info);
        }

        var context = new EvalContext(request, principal, now);
        var deny = route.Deny;
        for (var i = 0; i < deny.Length; i++)
        {
            if (deny[i].Matches(context))
            {
                info = new PolicyDecisionInfo(Version, index, route.Id, 403, AuthFailure.None, i, true, false, principal?.Subject, principal?.Issuer);
                return Refuse(route, route.Forbidden, principal, now, ref info);
            }
        }

        var allow = route.Allow;
        if (allow.Length == 0 && route.IsPublic)
        {
            // `public: true` with no allow rules is the explicit statement "anyone may call
            // this route" (deny rules above still apply); a non-public route must list allow rules.
            info = new PolicyDecisionInfo(Version, index, route.Id, 0, AuthFailure.None, -1, false, false, null, null);
            Interlocked.Increment(ref route.IsAudit ? ref Counters.ShadowAllowed : ref Counters.Allowed);
            return Admit(route, principal, now);
        }

        for (var i = 0; i < allow.Length; i++)
        {
            if (allow[i].Matches(context))
            {
                info = new PolicyDecisionInfo(Version, index, route.Id, 0, AuthFailure.None, i, false, false, principal?.Subject, principal?.Issuer);
                if (route.IsAudit)
                {
                    Interlocked.Increment(ref Counters.ShadowAllowed);
                }
                else
                {
                    Interlocked.Increment(ref Counters.Allowed);
                }

                return Admit(route, principal, now);
            }
        }

        // Least privilege: nothing admitted the request.
        info = new PolicyDecisionInfo(Version, index, route.Id, 403, AuthFailure.None, -1, false, false, principal?.Subject, principal?.Issuer);
        return Refuse(route, route.Forbidden, principal, now, ref info);
    }

    private static GateDecision Admit(CompiledRoute route, Principal? principal, long now)
    {
        var upstream = principal is not null && route.Upstream is { IsEmpty: false } plan ? plan.Get(principal, route.Index, now) : null;
        return GateDecision.Allow(upstream, route.ForwardAuthorization);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private GateDecision Refuse(CompiledRoute route, GateDecision denial, Principal? principal, long now, ref PolicyDecisionInfo info)
    {
        // Shadow mode lets refusals through (counted), except a malformed or ambiguous request
        // (two Authorization headers, a repeated header or a method in another case a rule
        // reads), which is refused in every mode.
        if (route.IsAudit && denial.Status is not (400 or 405))
        {
            Interlocked.Increment(ref Counters.ShadowDenied);
            info = info with { Shadow = true };
            return Admit(route, principal, now);
        }

        switch (denial.Status)
        {
            case 400:
                Interlocked.Increment(ref Counters.Denied400);
                break;
            case 401:
                Interlocked.Increment(ref Counters.Denied401);
                break;
            case 503:
                Interlocked.Increment(ref Counters.Unavailable503);
                break;
            default:
                Interlocked.Increment(ref Counters.Denied403);
                break;
        }

        return denial;
    }
}
