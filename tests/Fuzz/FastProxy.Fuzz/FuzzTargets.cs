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

    public static IFuzzTarget? Find(string name)
    {
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
