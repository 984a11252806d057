using FastProxy.Fuzz.Targets;

namespace FastProxy.Fuzz;

/// <summary>Every target, by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } =
    [
        new Http1RequestTarget(),
        new Http1ResponseTarget(),
        new ChunkedTarget(),
        new JwtTarget(),
        new ConfigTarget(),
        new Http2FramesTarget(),
        new HPackTarget(),
    ];

    /// <summary>The pipeline's self-test target (not a parser; not in <see cref="All"/>).</summary>
    public static IFuzzTarget Canary { get; } = new CanaryTarget();

    public static IFuzzTarget? Find(string name)
    {
        if (string.Equals(name, Canary.Name, StringComparison.Ordinal))
        {
            return Canary;
        }

        foreach (var target in All)
        {
            if (string.Equals(target.Name, name, StringComparison.Ordinal))
            {
                return target;
            }
        }

        return null;
    }
}
