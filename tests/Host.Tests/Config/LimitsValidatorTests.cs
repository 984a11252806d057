namespace FastProxy.Host.Tests.Config;

public class LimitsValidatorTests
{
    [Theory]
    [InlineData("max_connections: 0")]
    [InlineData("max_connections: 2000000")]
    [InlineData("max_request_line_bytes: 100")]
    [InlineData("max_header_bytes: 1023")]
    [InlineData("max_header_bytes: 100000000")]
    [InlineData("max_header_count: 0")]
    [InlineData("max_body_bytes: -1")]
    [InlineData("max_connections_per_address: -1")]
    [InlineData("max_accepts_per_second: -5")]
    public void Validate_OutOfRange_ErrorAtKeyLine(string setting)
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "limits:\n  " + setting + "\n");

        Assert.Equal("limits." + setting[..setting.IndexOf(':', StringComparison.Ordinal)], error.Path);
        Assert.Equal(9, error.Line);
    }

    [Fact]
    public void Validate_SaneValues_NoErrors()
    {
        Assert.Empty(ConfigSamples.Errors(ConfigSamples.MinimalYaml + """
            limits:
              max_connections: 1
              max_request_line_bytes: 256
              max_header_bytes: 1024
              max_header_count: 8
              max_body_bytes: 0
              max_connections_per_address: 16
              max_accepts_per_second: 1000
            """));
    }
}
