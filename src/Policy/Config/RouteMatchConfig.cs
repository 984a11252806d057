namespace FastProxy.Policy.Config;

/// <summary>Route match: host ("*", exact, "*.suffix"), path ("/x", "/x/*", "/x/**"), methods (empty: any).</summary>
public sealed record RouteMatchConfig
{
    public string? Host { get; init; }

    public string Path { get; init; } = "/**";

    public IReadOnlyList<string> Methods { get; init; } = [];
}
