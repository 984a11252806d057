namespace FastProxy.Policy.Config;

/// <summary>A daily UTC time window ("08:00" to "18:00"), optionally limited to weekdays ("mon".."sun").</summary>
public sealed record TimeWindowConfig
{
    public string From { get; init; } = "00:00";

    public string To { get; init; } = "24:00";

    public IReadOnlyList<string> Days { get; init; } = [];
}
