using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Logging;

/// <summary>The level names accepted in `log.level` and `--log-level`, and the short forms printed on each line.</summary>
public static class LogLevels
{
    public const string Names = "trace, debug, information, warning, error, critical, none";

    /// <summary>Parses a level name (case-insensitive; "info" and "warn" are accepted too).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out LogLevel level)
    {
        switch (text?.ToUpperInvariant())
        {
            case "TRACE":
                level = LogLevel.Trace;
                return true;
            case "DEBUG":
                level = LogLevel.Debug;
                return true;
            case "INFORMATION":
            case "INFO":
                level = LogLevel.Information;
                return true;
            case "WARNING":
            case "WARN":
                level = LogLevel.Warning;
                return true;
            case "ERROR":
                level = LogLevel.Error;
                return true;
            case "CRITICAL":
                level = LogLevel.Critical;
                return true;
            case "NONE":
                level = LogLevel.None;
                return true;
            default:
                level = LogLevel.None;
                return false;
        }
    }

    /// <summary>Four-letter level tag for a log line, as the .NET console logger prints them.</summary>
    internal static string ShortName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
