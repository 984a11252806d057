using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Logging;

/// <summary>
/// Writes one line per event to stderr (or a given writer) through a bounded queue and one background
/// writer: thread-safe, and a caller never blocks on output. Events beyond the queue are dropped and
/// counted (<see cref="DroppedCount"/>). Disposing flushes what is queued.
/// </summary>
public sealed class ProcessLoggerProvider : ILoggerProvider, IAsyncDisposable
{
    /// <summary>
    /// Queue capacity: about a second of logging at a heavy debug rate; at ~200 bytes a line this is
    /// ~2 MB at most, and a burst beyond it is better dropped and counted than made to wait.
    /// </summary>
    public const int DefaultCapacity = 10_000;

    private readonly ConcurrentDictionary<string, ProcessLogger> _loggers = new(StringComparer.Ordinal);
    private volatile int _minimumLevel;

    public ProcessLoggerProvider(LogLevel minimumLevel, TextWriter? output = null, TimeProvider? timeProvider = null, int capacity = DefaultCapacity)
    {
        _minimumLevel = (int)minimumLevel;
        Writer = new LogWriter(output ?? Console.Error, timeProvider ?? TimeProvider.System, capacity);
    }

    /// <summary>The lowest level written; may be changed while running (a config reload sets it).</summary>
    public LogLevel MinimumLevel
    {
        get => (LogLevel)_minimumLevel;
        set => _minimumLevel = (int)value;
    }

    /// <summary>Events dropped because the queue was full (or the output failed).</summary>
    public long DroppedCount => Writer.DroppedCount;

    internal LogWriter Writer { get; }

    public ILogger CreateLogger(string categoryName)
        => _loggers.GetOrAdd(categoryName, static (name, provider) => new ProcessLogger(name, provider), this);

    public void Dispose() => Writer.Dispose();

    public ValueTask DisposeAsync() => Writer.DisposeAsync();
}
