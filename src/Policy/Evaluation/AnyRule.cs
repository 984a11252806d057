namespace FastProxy.Policy.Evaluation;

/// <summary>`{ any: [...] }`: at least one child matches (an empty list never matches).</summary>
internal sealed class AnyRule(RuleNode[] children) : RuleNode
{
    public override bool Matches(in EvalContext context)
    {
        for (var i = 0; i < children.Length; i++)
        {
            if (children[i].Matches(context))
            {
                return true;
            }
        }

        return false;
    }

    public override string Describe() => "any";

    public override Tri Analyze(in RouteFacts facts)
    {
        var result = Tri.Never;
        foreach (var child in children)
        {
            var tri = child.Analyze(facts);
            if (tri == Tri.Always)
            {
                return Tri.Always;
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
