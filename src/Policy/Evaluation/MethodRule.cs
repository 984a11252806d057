namespace FastProxy.Policy.Evaluation;

/// <summary>`{ method: [GET, HEAD] }`.</summary>
internal sealed class MethodRule(MethodSet methods, string text) : RuleNode
{
    public override bool Matches(in EvalContext context) => methods.Contains(context.Request.Method, context.Request.MethodBytes);

    public override string Describe() => "method: [" + text + "]";

    public override Tri Analyze(in RouteFacts facts)
        => methods.Covers(facts.RouteMethods) ? Tri.Always : methods.IsDisjointFrom(facts.RouteMethods) ? Tri.Never : Tri.Depends;

    protected override string Detail(in EvalContext context) => " (method = " + System.Text.Encoding.ASCII.GetString(context.Request.MethodBytes) + ")";
}
