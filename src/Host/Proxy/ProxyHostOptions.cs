namespace FastProxy.Host.Proxy;

/// <summary>How the host runs, beside the configuration file itself.</summary>
public sealed class ProxyHostOptions
{
    /// <summary>Directory that relative paths in the configuration (key files) are resolved against.</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Plain proxying: no authentication or policy (benchmarks of proxying alone, `--no-auth`).</summary>
    public bool NoAuth { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
