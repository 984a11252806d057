using FastProxy.Policy.Identity;

namespace FastProxy.Policy;

/// <summary>
/// What decided a request, for the audit record: the policy version, the route, the outcome, the
/// deciding rule (index into the route's deny list when <see cref="DecidedByDeny"/>, else into its
/// allow list; -1 when no rule decided) and whether shadow mode let a refusal through. Only
/// references to strings built at compile or validation time: filling it allocates nothing.
/// </summary>
public readonly record struct PolicyDecisionInfo(
    string Version,
    int RouteIndex,
    string? RouteId,
    int Status,
    AuthFailure Failure,
    int RuleIndex,
    bool DecidedByDeny,
    bool Shadow,
    string? Subject,
    string? Issuer);
