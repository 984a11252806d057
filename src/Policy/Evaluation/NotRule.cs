namespace FastProxy.Policy.Evaluation;

/// <summary>`{ not: {...} }`.</summary>
internal sealed class NotRule(RuleNode child) : RuleNode
{
    public override bool Matches(in EvalContext context) => !child.Matches(context);

    public override string Describe() => "not";

    public override Tri Analyze(in RouteFacts facts) => child.Analyze(facts) switch
    {
        Tri.Always => Tri.Never,
        Tri.Never => Tri.Always,
        _ => Tri.Depends,
    };

    public override void Explain(in EvalContext context, List<string> lines, int depth)
    {
        base.Explain(context, lines, depth);
        child.Explain(context, lines, depth + 1);
    }
}
