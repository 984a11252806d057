namespace FastProxy.Policy.Evaluation;

/// <summary>What compiling one route's rules needs: diagnostics and the route's own match.</summary>
internal sealed record RuleCompileContext(PolicyCompilation Compilation, PathGlob RoutePath, RouteFacts Facts)
{
    /// <summary>The route's `case_insensitive_paths`: path rules fold ASCII case as its match does.</summary>
    public bool CaseInsensitivePaths { get; init; }

    /// <summary>Names of the headers whose value a rule of the route compares (filled while compiling, lower-case).</summary>
    public List<byte[]> ComparedHeaders { get; } = [];

    /// <summary>Methods a method rule of the route names, as written (filled while compiling).</summary>
    public List<byte[]> ComparedMethods { get; } = [];
}
