namespace FastProxy.Host.Config;

/// <summary>The admin endpoint (health, metrics, config status); off when <see cref="Address"/> is null.</summary>
public sealed record AdminConfig
{
    /// <summary>An IP literal and a port, e.g. "127.0.0.1:9901"; null turns the admin endpoint off.</summary>
    public string? Address { get; init; }
}
