using FastProxy.Core.Gate;
using FastProxy.Policy.Upstream;

namespace FastProxy.Policy.Evaluation;

/// <summary>The runtime form of one route's policy.</summary>
internal sealed class CompiledRoute
{
    public required string Id { get; init; }

    public required int Index { get; init; }

    public required bool IsPublic { get; init; }

    /// <summary>Shadow mode: decide and count, but let the request through.</summary>
    public required bool IsAudit { get; init; }

    /// <summary>Bit i set: tokens of provider i are accepted. All bits when the route names none.</summary>
    public required ulong ProviderMask { get; init; }

    public required RuleNode[] Allow { get; init; }

    public required RuleNode[] Deny { get; init; }

    public required bool QueryToken { get; init; }

    public required GateDecision Forbidden { get; init; }

    public required string Cluster { get; init; }

    public required PathGlob Path { get; init; }

    public required MethodSet Methods { get; init; }

    public required string? Host { get; init; }

    public required bool ForwardAuthorization { get; init; }

    public required RouteUpstreamPlan? Upstream { get; init; }

    /// <summary>`case_insensitive_paths`: the route's match and path rules fold ASCII case.</summary>
    public bool CaseInsensitivePaths { get; init; }

    /// <summary>
    /// Headers whose value a rule of this route compares. A request carrying one of them more than
    /// once is refused with 400 before any rule runs: the rule would read one copy while the
    /// upstream may act on another (or on all of them joined, RFC 9110 §5.3), so a deny on
    /// `x-tenant: admin` could be dodged by sending `x-tenant: a` first, and an allow on
    /// `x-tenant: a` could admit a request that also says `x-tenant: b`.
    /// </summary>
    public byte[][] ComparedHeaders { get; init; } = [];

    /// <summary>
    /// Methods a method rule of this route names. A request whose method is one of them in another
    /// letter case ("delete" against DELETE) is refused with 405: methods are case-sensitive
    /// (RFC 9110 §9.1), so the rule does not match it, yet an upstream that folds method case
    /// would run DELETE, past a deny on DELETE. Refused in every mode, like a repeated header.
    /// </summary>
    public byte[][] ComparedMethods { get; init; } = [];

    /// <summary>True when <paramref name="method"/> is a method a rule names, in another letter case.</summary>
    public bool NamesMethodInOtherCase(ReadOnlySpan<byte> method)
    {
        foreach (var name in ComparedMethods)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(method, name) && !method.SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    private string[]? _allowPaths;
    private string[]? _denyPaths;
    private string[]? _allowPredicates;
    private string[]? _denyPredicates;

    /// <summary>Where a rule sits in the document, e.g. "routes[1].allow[0]" (built once per route, on first use).</summary>
    public string RulePath(bool deny, int index)
        => deny
            ? (_denyPaths ??= BuildPaths("deny", Deny.Length))[index]
            : (_allowPaths ??= BuildPaths("allow", Allow.Length))[index];

    /// <summary>What a rule checks, in words (built once per route, on first use).</summary>
    public string RulePredicate(bool deny, int index)
        => deny
            ? (_denyPredicates ??= BuildPredicates(Deny))[index]
            : (_allowPredicates ??= BuildPredicates(Allow))[index];

    private string[] BuildPaths(string list, int count)
    {
        var paths = new string[count];
        for (var i = 0; i < count; i++)
        {
            paths[i] = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"routes[{Index}].{list}[{i}]");
        }

        return paths;
    }

    private static string[] BuildPredicates(RuleNode[] rules)
    {
        var predicates = new string[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            predicates[i] = rules[i].Describe();
        }

        return predicates;
    }
}
