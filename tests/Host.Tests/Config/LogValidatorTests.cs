namespace FastProxy.Host.Tests.Config;

public class LogValidatorTests
{
    [Theory]
    [InlineData("trace")]
    [InlineData("Warning")]
    [InlineData("none")]
    public void Validate_KnownLevel_NoError(string level)
    {
        Assert.Empty(ConfigSamples.Errors(ConfigSamples.MinimalYaml + $"log: {{ level: {level} }}\n"));
    }

    [Fact]
    public void Validate_UnknownLevel_ErrorListsLevels()
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "log:\n  level: verbose\n");

        Assert.Equal("log.level", error.Path);
        Assert.Equal(9, error.Line);
        Assert.Contains("information", error.Message, StringComparison.Ordinal);
    }
}
