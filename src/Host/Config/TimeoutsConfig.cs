namespace FastProxy.Host.Config;

/// <summary>Timeouts in seconds (fractions allowed).</summary>
public sealed record TimeoutsConfig
{
    /// <summary>Time to receive a complete request head (408 beyond it).</summary>
    public double HeaderSeconds { get; init; } = 10;

    /// <summary>Keep-alive connection idle time before it is closed.</summary>
    public double IdleSeconds { get; init; } = 60;

    /// <summary>Upstream TCP connect (502/503 beyond it).</summary>
    public double ConnectSeconds { get; init; } = 5;

    /// <summary>Upstream response head after the request was sent (504 beyond it).</summary>
    public double ResponseSeconds { get; init; } = 30;

    /// <summary>Graceful shutdown: how long in-flight requests may finish.</summary>
    public double DrainSeconds { get; init; } = 20;
}
