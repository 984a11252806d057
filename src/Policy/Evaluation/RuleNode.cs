using System.Globalization;

namespace FastProxy.Policy.Evaluation;

/// <summary>
/// A compiled rule: a tree of small sealed nodes, each deciding with a virtual call over spans and
/// pre-built values (no reflection, no regex, no string lookups, no allocation).
/// </summary>
internal abstract class RuleNode
{
    public abstract bool Matches(in EvalContext context);

    /// <summary>How the rule reads in the policy document (for explain and warnings).</summary>
    public abstract string Describe();

    /// <summary>Static analysis on a route (see <see cref="Tri"/>).</summary>
    public virtual Tri Analyze(in RouteFacts facts) => Tri.Depends;

    /// <summary>Adds this rule's verdict (and its children's) to <paramref name="lines"/>.</summary>
    public virtual void Explain(in EvalContext context, List<string> lines, int depth)
        => lines.Add(string.Create(CultureInfo.InvariantCulture, $"{new string(' ', depth * 2)}{(Matches(context) ? "match   " : "no match")} {Describe()}{Detail(context)}"));

    /// <summary>Why it matched or not, e.g. the claim's actual value; empty by default.</summary>
    protected virtual string Detail(in EvalContext context) => "";
}
