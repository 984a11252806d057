namespace FastProxy.Host.Proxy;

/// <summary>A configuration that cannot serve: every message names where in the file and what is wrong.</summary>
public sealed class ConfigRejectedException : Exception
{
    public ConfigRejectedException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public ConfigRejectedException()
        : this([])
    {
    }

    public ConfigRejectedException(string message)
        : this([message])
    {
    }

    public ConfigRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public IReadOnlyList<string> Errors { get; } = [];
}
