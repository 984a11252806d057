namespace FastProxy.Policy.Evaluation;

/// <summary>`{ any: [...] }`: at least one child matches (an empty list never matches).</summary>
internal sealed class AnyRule(RuleNode[] children) : ListRule(children, decisive: true)
{
    public override string Describe() => "any";
}
