using FastProxy.Host.Logging;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Tests.Logging;

public class LogLevelsTests
{
    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("information", LogLevel.Information)]
    [InlineData("Info", LogLevel.Information)]
    [InlineData("warning", LogLevel.Warning)]
    [InlineData("WARN", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("critical", LogLevel.Critical)]
    [InlineData("none", LogLevel.None)]
    public void TryParse_KnownName_Level(string text, LogLevel expected)
    {
        Assert.True(LogLevels.TryParse(text, out var level));
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("verbose")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("3")]
    public void TryParse_Unknown_False(string? text)
    {
        Assert.False(LogLevels.TryParse(text, out _));
    }
}
