namespace FastProxy.Policy.Evaluation;

/// <summary>`{ issuer: https://idp }`: the validated token's iss, exactly.</summary>
internal sealed class IssuerRule(string issuer) : RuleNode
{
    public override bool Matches(in EvalContext context)
        => context.Principal is { } principal && string.Equals(principal.Issuer, issuer, StringComparison.Ordinal);

    public override string Describe() => "issuer: " + issuer;

    public override Tri Analyze(in RouteFacts facts) => facts.IsPublic ? Tri.Never : Tri.Depends;

    protected override string Detail(in EvalContext context) => context.Principal is { } p ? " (iss = " + p.Issuer + ")" : " (anonymous)";
}
