namespace FastProxy.Policy.Config;

/// <summary>The bounded cache of validated tokens; size 0 validates every request's token in full.</summary>
public sealed record TokenCacheConfig
{
    public int Size { get; init; } = 10_000;
}
