namespace FastProxy.Core.Gate;

/// <summary>A gate that admits everything: plain proxying (benchmarks with --no-auth, tests of the data path).</summary>
public sealed class AllowAllGate : IRequestGate
{
    public static readonly AllowAllGate Instance = new();

    private AllowAllGate()
    {
    }

    public GateDecision Evaluate(in GateRequest request) => GateDecision.Allow();
}
