namespace FastProxy.Policy.Evaluation;

/// <summary>`{ all: [...] }`: every child matches (an empty list matches).</summary>
internal sealed class AllRule(RuleNode[] children) : RuleNode
{
    public override bool Matches(in EvalContext context)
    {
        for (var i = 0; i < children.Length; i++)
        {
            if (!children[i].Matches(context))
            {
                return false;
            }
        }

        return true;
    }

    public override string Describe() => "all";

    public override Tri Analyze(in RouteFacts facts)
    {
        var result = Tri.Always;
        foreach (var child in children)
        {
            var tri = child.Analyze(facts);
            if (tri == Tri.Never)
            {
                return Tri.Never;
            }

            if (tri == Tri.Depends)
            {
                result = Tri.Depends;
            }
        }

        return result;
    }

    public override void Explain(in EvalContext context, List<string> lines, int depth)
    {
        base.Explain(context, lines, depth);
        foreach (var child in children)
        {
            child.Explain(context, lines, depth + 1);
        }
    }
}
