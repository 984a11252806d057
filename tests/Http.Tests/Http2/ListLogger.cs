using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FastProxy.Http.Tests.Http2;

/// <summary>Collects log lines, so tests can assert that a refusal was logged and say why.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Lines.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " " + exception.GetType().Name));

    public bool Contains(string fragment) => Lines.Any(l => l.Contains(fragment, StringComparison.Ordinal));
}
