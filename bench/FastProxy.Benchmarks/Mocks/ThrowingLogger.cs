using Microsoft.Extensions.Logging;

namespace FastProxy.Benchmarks.Mocks;

/// <summary>A logger that turns any error logged by the code under test into an exception, so a benchmark cannot measure a failing path.</summary>
internal sealed class ThrowingLogger : ILogger
{
    public static readonly ThrowingLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => throw new InvalidOperationException($"the code under test logged: {formatter(state, exception)}", exception);
}
