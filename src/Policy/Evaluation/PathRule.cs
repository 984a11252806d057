using System.Text;

namespace FastProxy.Policy.Evaluation;

/// <summary>
/// `{ path: /orders/** }`: a glob on the request path (as received, not decoded), ASCII case folded
/// on a route with `case_insensitive_paths` (the rule must see "/ADMIN" as the upstream will: "/admin").
/// </summary>
internal sealed class PathRule(PathGlob glob, PathGlob routePath, bool ignoreCase = false) : RuleNode
{
    public override bool Matches(in EvalContext context) => glob.Matches(context.Request.Path, ignoreCase);

    public override string Describe() => "path: " + glob.Text;

    // The static analysis compares globs case-sensitively: it cannot speak for a folding route.
    public override Tri Analyze(in RouteFacts facts)
        => ignoreCase ? Tri.Depends : glob.Covers(routePath) ? Tri.Always : glob.IsDisjointFrom(routePath) ? Tri.Never : Tri.Depends;

    protected override string Detail(in EvalContext context) => " (path = " + Encoding.ASCII.GetString(context.Request.Path) + ")";
}
