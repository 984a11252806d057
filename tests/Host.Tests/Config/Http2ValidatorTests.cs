namespace FastProxy.Host.Tests.Config;

public class Http2ValidatorTests
{
    private const string Rest = "listeners:\n  - address: 127.0.0.1:8080\n    protocol: auto\nclusters:\n  app: { endpoints: [127.0.0.1:9001] }\n";

    [Fact]
    public void Validate_NoSection_DefaultsValid()
    {
        Assert.Empty(ConfigSamples.Errors(Rest));
    }

    [Fact]
    public void Validate_EveryKey_NoErrors()
    {
        var http2 = "http2:\n  max_concurrent_streams: 250\n  initial_window_size: 131072\n  connection_window_size: 4194304\n"
            + "  max_header_list_size: 65536\n  header_table_size: 8192\n  max_field_block_bytes: 131072\n  max_resets_per_window: 50\n"
            + "  max_control_frames_per_window: 1000\n  flood_window_seconds: 5\n  send_stall_seconds: 15\n  idle_seconds: 300\n";

        Assert.Empty(ConfigSamples.Errors(http2 + Rest));
    }

    [Theory]
    [InlineData("max_concurrent_streams: 0", "http2.max_concurrent_streams")]
    [InlineData("initial_window_size: 100", "http2.initial_window_size")]
    [InlineData("connection_window_size: 1000", "http2.connection_window_size")]
    [InlineData("max_header_list_size: 10", "http2.max_header_list_size")]
    [InlineData("header_table_size: -1", "http2.header_table_size")]
    [InlineData("max_field_block_bytes: 100", "http2.max_field_block_bytes")]
    [InlineData("max_resets_per_window: 0", "http2.max_resets_per_window")]
    [InlineData("max_control_frames_per_window: 1", "http2.max_control_frames_per_window")]
    [InlineData("flood_window_seconds: 0", "http2.flood_window_seconds")]
    [InlineData("send_stall_seconds: -3", "http2.send_stall_seconds")]
    [InlineData("idle_seconds: 1000000", "http2.idle_seconds")]
    public void Validate_OutOfRange_ErrorNamesTheKey(string entry, string path)
    {
        var error = ConfigSamples.Single("http2:\n  " + entry + "\n" + Rest);

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Validate_UnknownKey_Refused()
    {
        var errors = ConfigSamples.Errors("http2:\n  max_streams: 10\n" + Rest);

        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.Message.Contains("max_streams", StringComparison.Ordinal) || e.Path.Contains("max_streams", StringComparison.Ordinal));
    }
}
