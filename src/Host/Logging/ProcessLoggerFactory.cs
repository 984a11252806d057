using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Logging;

/// <summary>
/// A minimal <see cref="ILoggerFactory"/> (no dependency injection, no configuration binding, AOT-safe)
/// over a <see cref="ProcessLoggerProvider"/>: `ProcessLoggerFactory.Create(LogLevel.Information)`
/// logs to stderr. Further providers may be added; each logger then writes to all of them.
/// </summary>
public sealed class ProcessLoggerFactory : ILoggerFactory, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private ILoggerProvider[] _providers;
    private int _disposed;

    public ProcessLoggerFactory(ProcessLoggerProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        Provider = provider;
        _providers = [provider];
    }

    /// <summary>The stderr provider: its <see cref="ProcessLoggerProvider.MinimumLevel"/> and <see cref="ProcessLoggerProvider.DroppedCount"/>.</summary>
    public ProcessLoggerProvider Provider { get; }

    /// <summary>A factory writing to stderr at <paramref name="minimumLevel"/> and above.</summary>
    public static ProcessLoggerFactory Create(LogLevel minimumLevel, TextWriter? output = null, TimeProvider? timeProvider = null)
        => new(new ProcessLoggerProvider(minimumLevel, output, timeProvider));

    public void AddProvider(ILoggerProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        lock (_lock)
        {
            _providers = [.. _providers, provider];
        }
    }

    public ILogger CreateLogger(string categoryName)
    {
        var providers = Volatile.Read(ref _providers);
        if (providers.Length == 1)
        {
            return providers[0].CreateLogger(categoryName);
        }

        var loggers = new ILogger[providers.Length];
        for (var i = 0; i < providers.Length; i++)
        {
            loggers[i] = providers[i].CreateLogger(categoryName);
        }

        return new FanOutLogger(loggers);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var provider in Volatile.Read(ref _providers))
        {
            provider.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var provider in Volatile.Read(ref _providers))
        {
            if (provider is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                provider.Dispose();
            }
        }
    }
}
