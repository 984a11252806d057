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
    [InlineData("max_requests_per_connection_per_second: -1")]
    [InlineData("max_requests_per_connection_per_second: 1000001")]
    [InlineData("request_burst_per_connection: -1")]
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
              max_requests_per_connection_per_second: 100
              request_burst_per_connection: 20
            """));
    }

    [Fact]
    public void Validate_AbsurdBurst_ErrorAtKeyLine()
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "limits:\n  max_requests_per_connection_per_second: 10\n  request_burst_per_connection: 2000000000\n");

        Assert.Equal("limits.request_burst_per_connection", error.Path);
        Assert.Equal(10, error.Line);
        Assert.Contains("from 0 to 1000000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RequestRateWithoutBurst_NoErrors()
    {
        Assert.Empty(ConfigSamples.Errors(ConfigSamples.MinimalYaml + "limits:\n  max_requests_per_connection_per_second: 1000000\n"));
    }

    [Fact]
    public void Validate_BurstWithoutRate_ErrorSaysItHasNoEffect()
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "limits:\n  request_burst_per_connection: 10\n");

        Assert.Equal("limits.request_burst_per_connection", error.Path);
        Assert.Equal(9, error.Line);
        Assert.Contains("max_requests_per_connection_per_second", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RequestRateNotANumber_ClearError()
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "limits:\n  max_requests_per_connection_per_second: lots\n");

        Assert.Equal(9, error.Line);
    }

    [Fact]
    public void Defaults_RequestRate_OffAndBurstFollowsTheRate()
    {
        var limits = new FastProxy.Host.Config.LimitsConfig();

        Assert.Equal(0, limits.MaxRequestsPerConnectionPerSecond);
        Assert.Equal(0, limits.RequestBurstPerConnection);
    }
}
