namespace FastProxy.Policy.Evaluation;

/// <summary>`{ all: [...] }`: every child matches (an empty list matches).</summary>
internal sealed class AllRule(RuleNode[] children) : ListRule(children, decisive: false)
{
    public override string Describe() => "all";
}
