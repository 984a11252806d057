namespace FastProxy.Policy.Evaluation;

/// <summary>What compiling one route's rules needs: diagnostics and the route's own match.</summary>
internal sealed record RuleCompileContext(PolicyCompilation Compilation, PathGlob RoutePath, RouteFacts Facts);
