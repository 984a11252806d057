using FastProxy.Host.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Commands;

/// <summary>The process logger for a command, at a level named in the config or on the command line.</summary>
internal static class ProcessLogging
{
    public static ProcessLoggerFactory Create(string level)
        => ProcessLoggerFactory.Create(LogLevels.TryParse(level, out var parsed) ? parsed : LogLevel.Information);
}
