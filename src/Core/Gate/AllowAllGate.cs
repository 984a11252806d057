namespace FastProxy.Core.Gate;

/// <summary>A gate that admits everything: plain proxying (benchmarks with --no-auth, tests of the data path).</summary>
public sealed class AllowAllGate : IRequestGate
{
    public static readonly AllowAllGate Instance = new();

    private AllowAllGate()
    {
    }

    private static readonly GateAudit Audit = new(null, null, "no_auth", null, null, false, null, null, null);

    private static readonly GateAudit NoRouteAudit = new(null, null, "no_route", null, null, false, null, null, null);
    private static readonly GateAudit MethodNotAllowedAudit = new(null, null, "method_not_allowed", null, null, false, null, null, null);

    public GateAudit NoRoute(bool methodNotAllowed) => methodNotAllowed ? MethodNotAllowedAudit : NoRouteAudit;

    public GateDecision Evaluate(in GateRequest request, out GateAudit audit)
    {
        audit = Audit;
        return GateDecision.Allow();
    }
}
