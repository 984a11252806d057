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
    }
}
