using FastProxy.Host.Logging;

namespace FastProxy.Host.Config;

/// <summary>`log:`: a known level.</summary>
internal static class LogValidator
{
    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        if (config.Log is null)
        {
            errors.Add("log", "must be a mapping");
            return;
        }

        if (!LogLevels.TryParse(config.Log.Level, out _))
        {
            errors.Add("log.level", $"unknown log level '{config.Log.Level}'; expected one of {LogLevels.Names}");
        }

        var access = config.Log.Access;
        if (access is null)
        {
            errors.Add("log.access", "must be a mapping");
            return;
        }

        if (access.Format is not ("common" or "json"))
        {
            errors.Add("log.access.format", $"unknown access log format '{access.Format}'; expected common or json");
        }

        if (string.IsNullOrWhiteSpace(access.Path))
        {
            errors.Add("log.access.path", "must be 'stdout' or a file path");
        }
    }
}
