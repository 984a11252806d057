using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class ClusterHttp2ValidatorTests
{
    private const string Listener = "listeners:\n  - address: 127.0.0.1:8080\n";

    private static string Cluster(string protocol, string http2) =>
        Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    protocol: " + protocol + "\n" + http2;

    [Fact]
    public void Validate_H2cWithoutSection_Valid()
    {
        Assert.Empty(ConfigSamples.Errors(Cluster("h2c", "")));
    }

    [Fact]
    public void Validate_EveryKeyInRange_NoErrors()
    {
        var http2 = "    http2:\n      max_concurrent_streams: 250\n      initial_window_size: 131072\n      connection_window_size: 8388608\n"
            + "      max_header_list_size: 65536\n      header_table_size: 0\n      max_field_block_bytes: 131072\n"
            + "      ping_interval_seconds: 0\n      ping_timeout_seconds: 5\n      drain_seconds: 0\n";

        Assert.Empty(ConfigSamples.Errors(Cluster("h2c", http2)));
    }

    [Fact]
    public void Load_EveryKey_Kept()
    {
        var http2 = "    http2:\n      max_concurrent_streams: 250\n      initial_window_size: 131072\n      connection_window_size: 8388608\n"
            + "      max_header_list_size: 65536\n      header_table_size: 8192\n      max_field_block_bytes: 131072\n"
            + "      ping_interval_seconds: 0\n      ping_timeout_seconds: 5\n      drain_seconds: 12.5\n";

        var result = ConfigLoader.LoadFromText(Cluster("h2c", http2), "f.yaml", isYaml: true);

        var cluster = result.Config!.Clusters["app"];
        Assert.Equal(UpstreamProtocols.H2c, cluster.Protocol);
        Assert.Equal(
            new ClusterHttp2Config
            {
                MaxConcurrentStreams = 250,
                InitialWindowSize = 131072,
                ConnectionWindowSize = 8388608,
                MaxHeaderListSize = 65536,
                HeaderTableSize = 8192,
                MaxFieldBlockBytes = 131072,
                PingIntervalSeconds = 0,
                PingTimeoutSeconds = 5,
                DrainSeconds = 12.5,
            },
            cluster.Http2);
    }

    [Fact]
    public void Load_PartialSection_RestDefaults()
    {
        var result = ConfigLoader.LoadFromText(Cluster("h2c", "    http2: { max_concurrent_streams: 7 }\n"), "f.yaml", isYaml: true);

        Assert.Equal(new ClusterHttp2Config { MaxConcurrentStreams = 7 }, result.Config!.Clusters["app"].Http2);
    }

    [Theory]
    [InlineData("max_concurrent_streams: 0")]
    [InlineData("max_concurrent_streams: 10001")]
    [InlineData("initial_window_size: 16383")]
    [InlineData("initial_window_size: 2147483648")]
    [InlineData("connection_window_size: 65534")]
    [InlineData("max_header_list_size: 1023")]
    [InlineData("max_header_list_size: 16777217")]
    [InlineData("header_table_size: -1")]
    [InlineData("header_table_size: 1048577")]
    [InlineData("max_field_block_bytes: 1023")]
    [InlineData("max_field_block_bytes: 16777217")]
    [InlineData("ping_interval_seconds: -1")]
    [InlineData("ping_interval_seconds: 86401")]
    [InlineData("ping_timeout_seconds: 0")]
    [InlineData("ping_timeout_seconds: .nan")]
    [InlineData("drain_seconds: -0.5")]
    [InlineData("drain_seconds: 100000")]
    public void Validate_OutOfRange_ErrorNamesTheKeyAndLine(string entry)
    {
        var errors = ConfigSamples.Errors(Cluster("h2c", "    http2:\n      " + entry + "\n"));

        // An out-of-int-range number fails binding at the key; a range error names the key: both point at line 8.
        var error = Assert.Single(errors);
        Assert.StartsWith("clusters.app.http2", error.Path, StringComparison.Ordinal);
        Assert.Equal(8, error.Line);
    }

    [Theory]
    [InlineData("max_concurrent_streams: 0", "clusters.app.http2.max_concurrent_streams", "from 1 to 10000")]
    [InlineData("ping_timeout_seconds: 0", "clusters.app.http2.ping_timeout_seconds", "greater than 0")]
    public void Validate_OutOfRange_MessageSaysTheRange(string entry, string path, string range)
    {
        var error = ConfigSamples.Single(Cluster("h2c", "    http2:\n      " + entry + "\n"));

        Assert.Equal(path, error.Path);
        Assert.Contains(range, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownKey_Error()
    {
        var error = ConfigSamples.Single(Cluster("h2c", "    http2:\n      max_streams: 10\n"));

        Assert.Contains("max_streams", error.Path + error.Message, StringComparison.Ordinal);
    }
}
