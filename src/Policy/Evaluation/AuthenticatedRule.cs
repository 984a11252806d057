namespace FastProxy.Policy.Evaluation;

/// <summary>`{ authenticated: true|false }`: whether the request carries a valid token.</summary>
internal sealed class AuthenticatedRule(bool expected) : RuleNode
{
    public override bool Matches(in EvalContext context) => (context.Principal is not null) == expected;

    public override string Describe() => expected ? "authenticated: true" : "authenticated: false";

    // An authenticated route only evaluates rules with a principal; a public one never has one.
    public override Tri Analyze(in RouteFacts facts) => (!facts.IsPublic) == expected ? Tri.Always : Tri.Never;
}
