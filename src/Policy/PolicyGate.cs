using FastProxy.Core.Gate;

namespace FastProxy.Policy;

/// <summary>
/// The zero-trust gate: decides every routed request with the current <see cref="CompiledPolicy"/>.
/// A route index means something only in the route table it came from (<see cref="CompiledPolicy.Routes"/>),
/// so the host gives every runtime snapshot a gate of its own over that snapshot's policy rather
/// than swapping one shared gate: a request matched by one table, even one parked for a key
/// refresh, is never judged by another table's rules at the same index.
/// </summary>
public sealed class PolicyGate : IRequestGate
{
    private CompiledPolicy _current;

    public PolicyGate(CompiledPolicy initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = initial;
    }

    public CompiledPolicy Current => Volatile.Read(ref _current);

    public PolicyCounters Counters => Current.Counters;

    /// <summary>The proxy's public JWKS for upstreams verifying assertions (publish it on the admin endpoint).</summary>
    public string ProxyJwksJson => Current.ProxyJwksJson;

    /// <summary>
    /// Installs <paramref name="next"/>; the caller disposes the previous policy once requests drain.
    /// Only for callers that match routes with <see cref="Current"/>'s own table at evaluation time:
    /// a route index taken from an older table must not be judged by <paramref name="next"/>.
    /// </summary>
    public void Swap(CompiledPolicy next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Volatile.Write(ref _current, next);
    }

    public GateDecision Evaluate(in GateRequest request) => Current.Decide(request, out _);

    /// <summary>Counts a request no route matched; its audit reasons carry the policy version.</summary>
    public GateAudit NoRoute(bool methodNotAllowed)
    {
        var policy = Current;
        Interlocked.Increment(ref policy.Counters.NoRoute);
        return new GateAudit(policy.Version, null, methodNotAllowed ? "method_not_allowed" : "no_route", null, null, false, null, null, null);
    }

    /// <summary>Decides and gives the audit reasons (the <see cref="IRequestGate"/> seam).</summary>
    public GateDecision Evaluate(in GateRequest request, out GateAudit audit)
    {
        var policy = Current;
        var decision = policy.Decide(request, out var info);
        audit = policy.ToAudit(info);
        return decision;
    }

    /// <summary>Decides and says why (policy version, route, rule, reason) for the audit record.</summary>
    public GateDecision Evaluate(in GateRequest request, out PolicyDecisionInfo info) => Current.Decide(request, out info);
}
