using FastProxy.Host.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Tests.Logging;

public class ProcessLoggerFactoryTests
{
    [Fact]
    public void CreateLogger_OneProvider_WritesThroughIt()
    {
        var output = new StringWriter();
        using (var factory = ProcessLoggerFactory.Create(LogLevel.Information, output))
        {
            factory.CreateLogger("cat").Log(LogLevel.Warning, new EventId(5), "hello", null, static (s, _) => s);
        }

        Assert.Contains(" warn  cat[5] hello", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AddProvider_Second_EventsGoToBoth()
    {
        var first = new StringWriter();
        var second = new StringWriter();
        using (var factory = ProcessLoggerFactory.Create(LogLevel.Information, first))
        {
            factory.AddProvider(new ProcessLoggerProvider(LogLevel.Error, second));
            var logger = factory.CreateLogger("cat");
            Assert.True(logger.IsEnabled(LogLevel.Information));
            logger.Log(LogLevel.Information, new EventId(1), "info only", null, static (s, _) => s);
            logger.Log(LogLevel.Error, new EventId(2), "error both", null, static (s, _) => s);
        }

        Assert.Contains("info only", first.ToString(), StringComparison.Ordinal);
        Assert.Contains("error both", first.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("info only", second.ToString(), StringComparison.Ordinal);
        Assert.Contains("error both", second.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AddProvider_AfterDispose_Throws()
    {
        var factory = ProcessLoggerFactory.Create(LogLevel.Information, new StringWriter());
        factory.Dispose();

        Assert.Throws<ObjectDisposedException>(() => factory.AddProvider(new ProcessLoggerProvider(LogLevel.Information, new StringWriter())));
    }

    [Fact]
    public void Provider_ExposesLevelControl()
    {
        using var factory = ProcessLoggerFactory.Create(LogLevel.Information, new StringWriter());

        factory.Provider.MinimumLevel = LogLevel.Error;

        Assert.False(factory.CreateLogger("c").IsEnabled(LogLevel.Warning));
    }
}
