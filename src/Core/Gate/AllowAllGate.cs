namespace FastProxy.Core.Gate;

/// <summary>A gate that admits everything: plain proxying (benchmarks with --no-auth, tests of the data path).</summary>
public sealed class AllowAllGate : IRequestGate
{
    public static readonly AllowAllGate Instance = new();

    private AllowAllGate()
    {
    }

    private static readonly GateAudit Audit = new(null, null, "no_auth", null, null, false, null, null, null);

    public GateDecision Evaluate(in GateRequest request, out GateAudit audit)
    {
        audit = Audit;
        return GateDecision.Allow();
    }
}
