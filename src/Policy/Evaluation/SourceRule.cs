namespace FastProxy.Policy.Evaluation;

/// <summary>`{ source: [10.0.0.0/8, 2001:db8::/32] }`: the peer address is in one of the blocks.</summary>
internal sealed class SourceRule(CidrBlock[] blocks) : RuleNode
{
    public override bool Matches(in EvalContext context)
    {
        var address = context.Request.Client.Address;
        for (var i = 0; i < blocks.Length; i++)
        {
            if (blocks[i].Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    public override string Describe() => "source: [" + string.Join(", ", (object[])blocks) + "]";

    protected override string Detail(in EvalContext context) => " (source = " + (context.Request.Client.Address?.ToString() ?? "unknown") + ")";
}
