using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Logging;

/// <summary>
/// The single consumer behind every logger: callers hand entries to a bounded channel and return at
/// once; a background task writes them to the output and flushes when the queue runs dry. When the
/// queue is full the entry is dropped and counted (the caller never waits on a slow terminal or a
/// full pipe); the count is reported in the log as soon as there is room again.
/// </summary>
internal sealed class LogWriter : IAsyncDisposable, IDisposable
{
    /// <summary>How long Dispose waits for queued lines to reach the output before giving up.</summary>
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<LogEntry> _channel;
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly Task _writerTask;
    private long _dropped;
    private long _droppedReported;
    private int _disposed;

    public LogWriter(TextWriter output, TimeProvider time, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _output = output;
        _time = time;
        _channel = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with Wait, TryWrite fails when full: that is the drop we count
            SingleReader = true,
            SingleWriter = false,
        });
        _writerTask = Task.Run(WriteLoopAsync);
    }

    public long DroppedCount => Interlocked.Read(ref _dropped);

    public TimeProvider Time => _time;

    public void Enqueue(in LogEntry entry)
    {
        if (!_channel.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _channel.Writer.TryComplete();

        // Dispose is synchronous by contract (ILoggerProvider); the writer only touches the output,
        // so a bounded wait cannot deadlock, and it is what "flush on dispose" means.
        _ = _writerTask.Wait(FlushTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _channel.Writer.TryComplete();
        try
        {
            await _writerTask.WaitAsync(FlushTimeout);
        }
        catch (TimeoutException)
        {
            // Output is stuck (e.g. a blocked pipe); leave the remaining lines behind rather than hang shutdown.
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _channel.Reader;
        var line = new StringBuilder(256);
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var entry))
            {
                line.Clear();
                LogLineFormatter.Format(entry, line);
                Write(line);
            }

            ReportDrops(line);
            Flush();
        }

        ReportDrops(line);
        Flush();
    }

    private void ReportDrops(StringBuilder line)
    {
        var dropped = Interlocked.Read(ref _dropped);
        if (dropped == _droppedReported)
        {
            return;
        }

        var message = string.Create(CultureInfo.InvariantCulture, $"{dropped - _droppedReported} log events dropped: the log queue was full ({dropped} in total)");
        _droppedReported = dropped;
        line.Clear();
        LogLineFormatter.Format(new LogEntry(_time.GetUtcNow(), LogLevel.Warning, "FastProxy.Host.Logging", 0, message, null), line);
        Write(line);
    }

    private void Write(StringBuilder line)
    {
        try
        {
            _output.Write(line);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Nowhere left to report to (stderr closed); count it like a drop and keep draining.
            Interlocked.Increment(ref _dropped);
        }
    }

    private void Flush()
    {
        try
        {
            _output.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // As in Write: the output is gone; nothing more to do.
        }
    }
}
