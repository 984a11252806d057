namespace FastProxy.Host.Tests.Config;

public class TimeoutsValidatorTests
{
    [Theory]
    [InlineData("header_seconds: 0")]
    [InlineData("idle_seconds: -1")]
    [InlineData("connect_seconds: 100000")]
    [InlineData("response_seconds: .inf")]
    [InlineData("drain_seconds: -0.5")]
    public void Validate_OutOfRange_ErrorAtKeyLine(string setting)
    {
        var errors = ConfigSamples.Errors(ConfigSamples.MinimalYaml + "timeouts:\n  " + setting + "\n");

        var error = Assert.Single(errors);
        Assert.Equal("timeouts." + setting[..setting.IndexOf(':', StringComparison.Ordinal)], error.Path);
        Assert.Equal(9, error.Line);
    }

    [Fact]
    public void Validate_FractionsAndZeroDrain_NoErrors()
    {
        Assert.Empty(ConfigSamples.Errors(ConfigSamples.MinimalYaml + "timeouts: { header_seconds: 0.25, drain_seconds: 0, idle_seconds: 86400 }\n"));
    }
}
