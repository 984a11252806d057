using FastProxy.Policy.Evaluation;

namespace FastProxy.Policy.Analysis;

/// <summary>
/// Warnings tied to routes: a route shadowed by an earlier one (it can never be selected), a rule
/// that can never match, a rule that admits every (authenticated) request, a deny rule that refuses
/// everything. Sound but incomplete: only what can be proved from the route's own match is flagged.
/// </summary>
internal static class StaticAnalysis
{
    public static void Run(CompiledRoute[] routes, PolicyCompilation compilation)
    {
        for (var j = 0; j < routes.Length; j++)
        {
            for (var i = 0; i < j; i++)
            {
                if (Covers(routes[i], routes[j]))
                {
                    compilation.Warning($"routes[{j}]", $"route '{routes[j].Id}' is shadowed by routes[{i}] '{routes[i].Id}' (matched first for every request it would match)");
                    break;
                }
            }

            var route = routes[j];
            var facts = new RouteFacts(route.IsPublic, route.Methods);
            for (var a = 0; a < route.Allow.Length; a++)
            {
                var path = $"routes[{j}].allow[{a}]";
                switch (route.Allow[a].Analyze(facts))
                {
                    case Tri.Never:
                        compilation.Warning(path, route.IsPublic
                            ? "rule can never match (a public route has no principal, or the rule contradicts the route's match)"
                            : "rule can never match");
                        break;
                    case Tri.Always:
                        compilation.Warning(path, route.IsPublic ? "rule admits every request" : "rule admits every authenticated principal");
                        break;
                }
            }

            for (var d = 0; d < route.Deny.Length; d++)
            {
                var path = $"routes[{j}].deny[{d}]";
                switch (route.Deny[d].Analyze(facts))
                {
                    case Tri.Never:
                        compilation.Warning(path, "rule can never match");
                        break;
                    case Tri.Always:
                        compilation.Warning(path, "rule refuses every request of the route");
                        break;
                }
            }
        }

    }

    private static bool Covers(CompiledRoute earlier, CompiledRoute later)
        => HostCovers(earlier.Host, later.Host) && earlier.Path.Covers(later.Path) && earlier.Methods.Covers(later.Methods)
            && (earlier.CaseInsensitivePaths || !later.CaseInsensitivePaths);

    private static bool HostCovers(string? earlier, string? later)
    {
        if (earlier is null or "*")
        {
            return true;
        }

        if (later is null or "*")
        {
            return false;
        }

        if (earlier.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = earlier[1..];
            return later.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && later.Length > suffix.Length
                && (!later.StartsWith("*.", StringComparison.Ordinal) || later.Length >= earlier.Length);
        }

        return string.Equals(earlier, later, StringComparison.OrdinalIgnoreCase);
    }
}
