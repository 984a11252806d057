using System.Text.RegularExpressions;
using FastProxy.Host.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Tests.Logging;

public partial class ProcessLoggerProviderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 3, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Log_Warning_OneLineInDocumentedFormat()
    {
        var output = new StringWriter();
        using (var provider = new ProcessLoggerProvider(LogLevel.Information, output, new FixedTimeProvider(Now)))
        {
            Write(provider.CreateLogger("FastProxy.Http.Proxy"), LogLevel.Warning, 12, "upstream slow");
        }

        Assert.Equal("2026-11-29T03:30:00.123Z warn  FastProxy.Http.Proxy[12] upstream slow\n", output.ToString());
    }

    [Theory]
    [InlineData(LogLevel.Trace, "trce")]
    [InlineData(LogLevel.Debug, "dbug")]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Error, "fail")]
    [InlineData(LogLevel.Critical, "crit")]
    public void Log_EachLevel_FourLetterTag(LogLevel level, string tag)
    {
        var output = new StringWriter();
        using (var provider = new ProcessLoggerProvider(LogLevel.Trace, output, new FixedTimeProvider(Now)))
        {
            Write(provider.CreateLogger("c"), level, 1, "m");
        }

        Assert.Equal($"2026-11-29T03:30:00.123Z {tag}  c[1] m\n", output.ToString());
    }

    [Fact]
    public void Log_BelowMinimumLevel_NotWritten()
    {
        var output = new StringWriter();
        using (var provider = new ProcessLoggerProvider(LogLevel.Warning, output))
        {
            var logger = provider.CreateLogger("c");
            Assert.False(logger.IsEnabled(LogLevel.Information));
            Assert.True(logger.IsEnabled(LogLevel.Warning));
            Assert.False(logger.IsEnabled(LogLevel.None));
            Write(logger, LogLevel.Information, 1, "hidden");
            Write(logger, LogLevel.Error, 2, "shown");
        }

        Assert.DoesNotContain("hidden", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("shown", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MinimumLevel_ChangedWhileRunning_AppliesToExistingLoggers()
    {
        var output = new StringWriter();
        using (var provider = new ProcessLoggerProvider(LogLevel.Information, output))
        {
            var logger = provider.CreateLogger("c");
            provider.MinimumLevel = LogLevel.None;
            Write(logger, LogLevel.Critical, 1, "silenced");
            provider.MinimumLevel = LogLevel.Debug;
            Write(logger, LogLevel.Debug, 2, "now visible");
        }

        Assert.DoesNotContain("silenced", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("now visible", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Log_MessageWithLineBreaks_StaysOnOneLine()
    {
        var output = new StringWriter();
        using (var provider = new ProcessLoggerProvider(LogLevel.Information, output, new FixedTimeProvider(Now)))
        {
            Write(provider.CreateLogger("c"), LogLevel.Information, 1, "path /a\r\n2026-11-29T00:00:00.000Z crit  forged[0] x\u0007");
        }

        Assert.Equal("2026-11-29T03:30:00.123Z info  c[1] path /a\\r\\n2026-11-29T00:00:00.000Z crit  forged[0] x\\u0007\n", output.ToString());
    }

    [Fact]
    public void Log_WithException_ExceptionOnFollowingIndentedLines()
    {
        var output = new StringWriter();
        Exception error;
        try
        {
            throw new InvalidOperationException("boom\nsecond line");
        }
        catch (InvalidOperationException ex)
        {
            error = ex;
        }

        using (var provider = new ProcessLoggerProvider(LogLevel.Information, output, new FixedTimeProvider(Now)))
        {
            provider.CreateLogger("c").Log(LogLevel.Error, new EventId(3), "failed", error, static (s, _) => s);
        }

        var lines = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal("2026-11-29T03:30:00.123Z fail  c[3] failed", lines[0]);
        Assert.Equal("    System.InvalidOperationException: boom", lines[1]);
        Assert.Equal("    second line", lines[2]);
        Assert.Contains(lines, l => l.StartsWith("       at ", StringComparison.Ordinal));
        Assert.All(lines.Skip(1), l => Assert.StartsWith("    ", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Log_ManyThreads_EveryLineWhole()
    {
        const int Threads = 8;
        const int PerThread = 500;
        var output = new StringWriter();
        using (var provider = new ProcessLoggerProvider(LogLevel.Information, output, capacity: Threads * PerThread))
        {
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
            {
                var logger = provider.CreateLogger("thread" + t);
                for (var i = 0; i < PerThread; i++)
                {
                    Write(logger, LogLevel.Information, i, "event " + i);
                }
            });
            Assert.Equal(0, provider.DroppedCount);
        }

        var lines = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(Threads * PerThread, lines.Length);
        Assert.All(lines, l => Assert.Matches(LinePattern(), l));
    }

    [Fact]
    public void Log_QueueFull_CallerNotBlockedAndDropsCounted()
    {
        using var output = new BlockingWriter();
        var provider = new ProcessLoggerProvider(LogLevel.Information, output, capacity: 4);
        var logger = provider.CreateLogger("c");

        Write(logger, LogLevel.Information, 0, "first");
        Assert.True(output.FirstWrite.Wait(TimeSpan.FromSeconds(10)), "writer never started");
        for (var i = 1; i <= 100; i++)
        {
            Write(logger, LogLevel.Information, i, "more");
        }

        // The writer holds one entry and the queue four; everything else was dropped without waiting.
        Assert.Equal(96, provider.DroppedCount);
        output.Release();
        provider.Dispose();

        Assert.Contains("96 log events dropped", output.Text, StringComparison.Ordinal);
        Assert.Equal(5 + 1, output.Text.TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public void Dispose_QueuedEvents_AllFlushed()
    {
        var output = new StringWriter();
        var provider = new ProcessLoggerProvider(LogLevel.Information, output);
        var logger = provider.CreateLogger("c");
        for (var i = 0; i < 1000; i++)
        {
            Write(logger, LogLevel.Information, i, "e");
        }

        provider.Dispose();
        provider.Dispose();

        Assert.Equal(1000, output.ToString().TrimEnd('\n').Split('\n').Length);
    }

    [Fact]
    public async Task DisposeAsync_QueuedEvents_AllFlushed()
    {
        var output = new StringWriter();
        var provider = new ProcessLoggerProvider(LogLevel.Information, output);
        Write(provider.CreateLogger("c"), LogLevel.Information, 1, "last words");

        await provider.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("last words", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CreateLogger_SameCategory_SameInstance()
    {
        using var provider = new ProcessLoggerProvider(LogLevel.Information, new StringWriter());

        Assert.Same(provider.CreateLogger("a"), provider.CreateLogger("a"));
        Assert.NotSame(provider.CreateLogger("a"), provider.CreateLogger("b"));
    }

    [Fact]
    public void Log_SourceGeneratedMessage_Formatted()
    {
        var output = new StringWriter();
        using (var provider = new ProcessLoggerProvider(LogLevel.Information, output, new FixedTimeProvider(Now)))
        {
            var logger = provider.CreateLogger("FastProxy.Host");
            ConfigReloaded(logger, "fastproxy.yaml", 3);
        }

        Assert.Equal("2026-11-29T03:30:00.123Z info  FastProxy.Host[7] Configuration fastproxy.yaml reloaded: 3 routes\n", output.ToString());
    }

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Configuration {File} reloaded: {Routes} routes")]
    private static partial void ConfigReloaded(ILogger logger, string file, int routes);

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info  thread\d\[\d+\] event \d+$", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LinePattern();

    private static void Write(ILogger logger, LogLevel level, int id, string message)
        => logger.Log(level, new EventId(id), message, null, static (s, _) => s);
}
