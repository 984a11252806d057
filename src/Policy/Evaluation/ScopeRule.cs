namespace FastProxy.Policy.Evaluation;

/// <summary>`{ scope: orders:write }`: an OAuth scope in `scope` (space-delimited) or `scp`.</summary>
internal sealed class ScopeRule(string scope) : RuleNode
{
    public override bool Matches(in EvalContext context) => context.Principal is { } principal && principal.HasScope(scope);

    public override string Describe() => "scope: " + scope;

    public override Tri Analyze(in RouteFacts facts) => facts.IsPublic ? Tri.Never : Tri.Depends;

    protected override string Detail(in EvalContext context)
        => context.Principal is { } p ? " (scopes = [" + string.Join(" ", p.Scopes) + "])" : " (anonymous)";
}
