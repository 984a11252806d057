using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Logging;

/// <summary>Writes each event to several loggers (one per provider of a <see cref="ProcessLoggerFactory"/>).</summary>
internal sealed class FanOutLogger(ILogger[] loggers) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel)
    {
        foreach (var logger in loggers)
        {
            if (logger.IsEnabled(logLevel))
            {
                return true;
            }
        }

        return false;
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        foreach (var logger in loggers)
        {
            logger.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
