using System.Text;

namespace FastProxy.Policy.Evaluation;

/// <summary>`{ path: /orders/** }`: a glob on the request path (as received, not decoded).</summary>
internal sealed class PathRule(PathGlob glob, PathGlob routePath) : RuleNode
{
    public override bool Matches(in EvalContext context) => glob.Matches(context.Request.Path);

    public override string Describe() => "path: " + glob.Text;

    public override Tri Analyze(in RouteFacts facts)
        => glob.Covers(routePath) ? Tri.Always : glob.IsDisjointFrom(routePath) ? Tri.Never : Tri.Depends;

    protected override string Detail(in EvalContext context) => " (path = " + Encoding.ASCII.GetString(context.Request.Path) + ")";
}
