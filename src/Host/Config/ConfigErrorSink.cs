namespace FastProxy.Host.Config;

/// <summary>Collects validation errors for one file, attaching the line of each path from the <see cref="LineMap"/>.</summary>
internal sealed class ConfigErrorSink(string file, LineMap lines)
{
    private readonly List<ConfigError> _errors = [];

    public string File { get; } = file;

    public IReadOnlyList<ConfigError> Errors => _errors;

    public void Add(string path, string message) => _errors.Add(new ConfigError(File, path, message, lines.Find(path)));

    public void Add(ConfigError error) => _errors.Add(error);
}
