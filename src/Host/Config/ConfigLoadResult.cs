namespace FastProxy.Host.Config;

/// <summary>The outcome of loading a configuration: the config when it is valid, otherwise every error found.</summary>
public sealed class ConfigLoadResult
{
    internal ConfigLoadResult(FastProxyConfig? config, IReadOnlyList<ConfigError> errors, string baseDirectory)
    {
        Config = errors.Count == 0 ? config : null;
        Errors = errors;
        BaseDirectory = baseDirectory;
    }

    /// <summary>The validated configuration; null when <see cref="Errors"/> is not empty.</summary>
    public FastProxyConfig? Config { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    public bool Success => Config is not null;

    /// <summary>The directory relative paths in the file (certificates, keys) are resolved against.</summary>
    public string BaseDirectory { get; }
}
