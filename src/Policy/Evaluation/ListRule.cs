namespace FastProxy.Policy.Evaluation;

/// <summary>
/// `all` and `any` are duals: both scan their children and stop at the first one whose verdict is
/// <see cref="_decisive"/> (a miss for `all`, a match for `any`); with no decisive child, the answer is
/// the opposite. Static analysis mirrors that with <see cref="Tri"/>.
/// </summary>
internal abstract class ListRule(RuleNode[] children, bool decisive) : RuleNode
{
    private readonly RuleNode[] _children = children;
    private readonly bool _decisive = decisive;

    public override bool Matches(in EvalContext context)
    {
        for (var i = 0; i < _children.Length; i++)
        {
            if (_children[i].Matches(context) == _decisive)
            {
                return _decisive;
            }
        }

        return !_decisive;
    }

    public override Tri Analyze(in RouteFacts facts)
    {
        var stop = _decisive ? Tri.Always : Tri.Never;
        var result = _decisive ? Tri.Never : Tri.Always;
        foreach (var child in _children)
        {
            var tri = child.Analyze(facts);
            if (tri == stop)
            {
                return stop;
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
        foreach (var child in _children)
        {
            child.Explain(context, lines, depth + 1);
        }
    }
}
