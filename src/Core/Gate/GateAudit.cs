namespace FastProxy.Core.Gate;

/// <summary>
/// Why the gate decided as it did, for the audit record: every field is a reference to a string
/// that already exists (compiled policy, cached principal, constant reasons), so producing one
/// allocates nothing. Never carries a credential.
/// </summary>
/// <param name="PolicyVersion">Content hash of the policy that decided.</param>
/// <param name="RouteId">The route's id from the configuration.</param>
/// <param name="Reason">A short code: allowed, public, no_rule_matched, denied_by_rule, missing_token, expired, ...</param>
/// <param name="Rule">Where the deciding rule sits in the document, e.g. "routes[1].allow[0]"; null when no rule decided.</param>
/// <param name="Predicate">What the deciding rule checks, e.g. "claim roles contains reader".</param>
/// <param name="Shadow">The route runs in audit (shadow) mode: <paramref name="ShadowVerdict"/> is what enforcement would have done.</param>
/// <param name="ShadowVerdict">"allow" or "deny" in shadow mode, else null.</param>
/// <param name="Issuer">The principal's issuer, when a token was validated.</param>
/// <param name="Subject">The principal's subject, when a token was validated.</param>
public readonly record struct GateAudit(
    string? PolicyVersion,
    string? RouteId,
    string Reason,
    string? Rule,
    string? Predicate,
    bool Shadow,
    string? ShadowVerdict,
    string? Issuer,
    string? Subject)
{
    public static readonly GateAudit None = new(null, null, "none", null, null, false, null, null, null);
}
