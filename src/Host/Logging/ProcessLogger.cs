using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Logging;

/// <summary>A logger for one category: checks the level, formats the message on the caller and queues it.</summary>
internal sealed class ProcessLogger(string category, ProcessLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);

        // Format now: the state may be reused or mutated by the caller once Log returns.
        var message = formatter(state, exception) ?? "";
        provider.Writer.Enqueue(new LogEntry(provider.Writer.Time.GetUtcNow(), logLevel, category, eventId.Id, message, exception));
    }
}
