namespace FastProxy.Policy.Evaluation;

/// <summary>`{ subject: alice }`: the validated token's sub, exactly.</summary>
internal sealed class SubjectRule(string subject) : RuleNode
{
    public override bool Matches(in EvalContext context)
        => context.Principal is { Subject: { } sub } && string.Equals(sub, subject, StringComparison.Ordinal);

    public override string Describe() => "subject: " + subject;

    public override Tri Analyze(in RouteFacts facts) => facts.IsPublic ? Tri.Never : Tri.Depends;

    protected override string Detail(in EvalContext context) => context.Principal is { } p ? " (sub = " + (p.Subject ?? "(absent)") + ")" : " (anonymous)";
}
