namespace FastProxy.Host.Config;

/// <summary>Process logging: `{ level: information }`.</summary>
public sealed record LogConfig
{
    /// <summary>trace, debug, information (default), warning, error, critical or none.</summary>
    public string Level { get; init; } = "information";

    public AccessLogConfig Access { get; init; } = new();
}
