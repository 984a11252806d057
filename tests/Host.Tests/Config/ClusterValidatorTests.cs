using FastProxy.Host.Config;

namespace FastProxy.Host.Tests.Config;

public class ClusterValidatorTests
{
    private const string Listener = "listeners:\n  - address: 127.0.0.1:8080\n";

    [Fact]
    public void Validate_NoEndpoints_ErrorAtClusterLine()
    {
        var error = ConfigSamples.Single(Listener + "clusters:\n  app:\n    balance: round_robin\n");

        Assert.Equal("clusters.app.endpoints", error.Path);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void Validate_BadEndpoints_EachReportedWithIndex()
    {
        var errors = ConfigSamples.Errors(Listener + "clusters:\n  app:\n    endpoints:\n      - 127.0.0.1\n      - localhost:9001\n      - LOCALHOST:9001\n");

        Assert.Equal(2, errors.Count);
        Assert.Equal(6, ConfigSamples.Find(errors, "clusters.app.endpoints[0]").Line);
        Assert.Contains("duplicate endpoint", ConfigSamples.Find(errors, "clusters.app.endpoints[2]").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownBalance_Error()
    {
        var error = ConfigSamples.Single(Listener + "clusters:\n  app: { endpoints: [127.0.0.1:9001], balance: random }\n");

        Assert.Equal("clusters.app.balance", error.Path);
        Assert.Contains("round_robin", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max_connections_per_endpoint: 0")]
    [InlineData("max_idle_per_endpoint: -1")]
    [InlineData("max_idle_per_endpoint: 600")]
    [InlineData("max_pending_requests_per_endpoint: -1")]
    [InlineData("max_pending_requests_per_endpoint: 1000001")]
    [InlineData("max_connections: 0")]
    [InlineData("max_connections: 1000001")]
    [InlineData("max_pending_requests: -1")]
    [InlineData("max_pending_requests: 1000001")]
    [InlineData("eject_after_failures: 0")]
    [InlineData("eject_seconds: 0")]
    [InlineData("trial_seconds: -1")]
    [InlineData("panic_threshold_percent: -1")]
    [InlineData("panic_threshold_percent: 101")]
    [InlineData("protocol: h2")]
    public void Validate_PoolSettingOutOfRange_Error(string setting)
    {
        var error = ConfigSamples.Single(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    " + setting + "\n");

        Assert.Equal("clusters.app." + setting[..setting.IndexOf(':', StringComparison.Ordinal)], error.Path);
        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void Validate_SmallConnectionCapWithoutIdleCap_Valid()
    {
        // The idle cap follows the connection cap when unset, so a small cap alone is consistent.
        var errors = ConfigSamples.Errors(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    max_connections_per_endpoint: 100\n");

        Assert.DoesNotContain(errors, e => e.Path.StartsWith("clusters.", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_TrialAndPanicSettings_KeptAndDefaulted()
    {
        var set = ConfigLoader.LoadFromText(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    trial_seconds: 0\n    panic_threshold_percent: 0\n", "f.yaml", isYaml: true);
        var unset = ConfigLoader.LoadFromText(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n", "f.yaml", isYaml: true);

        Assert.Equal(0, set.Config!.Clusters["app"].TrialSeconds);
        Assert.Equal(0, set.Config.Clusters["app"].PanicThresholdPercent);
        Assert.Equal(1, unset.Config!.Clusters["app"].TrialSeconds);
        Assert.Equal(50, unset.Config.Clusters["app"].PanicThresholdPercent);
    }

    [Theory]
    [InlineData("max_pending_requests_per_endpoint: 0", 0)]
    [InlineData("max_pending_requests_per_endpoint: 64", 64)]
    public void Load_PendingRequestBound_Kept(string setting, int expected)
    {
        var result = ConfigLoader.LoadFromText(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    " + setting + "\n", "f.yaml", isYaml: true);

        Assert.Equal(expected, result.Config!.Clusters["app"].MaxPendingRequestsPerEndpoint);
    }

    [Fact]
    public void Load_CircuitBreakerLimits_Kept()
    {
        var result = ConfigLoader.LoadFromText(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    max_connections: 8\n    max_pending_requests: 0\n", "f.yaml", isYaml: true);

        Assert.Equal(8, result.Config!.Clusters["app"].MaxConnections);
        Assert.Equal(0, result.Config!.Clusters["app"].MaxPendingRequests);
    }

    [Fact]
    public void Load_CircuitBreakerLimitsUnset_NoClusterWideLimit()
    {
        var result = ConfigLoader.LoadFromText(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n", "f.yaml", isYaml: true);

        Assert.Null(result.Config!.Clusters["app"].MaxConnections);
        Assert.Null(result.Config!.Clusters["app"].MaxPendingRequests);
    }

    [Fact]
    public void Validate_DottedClusterName_BracketedPath()
    {
        var error = ConfigSamples.Single(Listener + "clusters:\n  orders.v2: { endpoints: [] }\n");

        Assert.Equal("clusters['orders.v2'].endpoints", error.Path);
        Assert.Equal(4, error.Line);
    }

    [Theory]
    [InlineData("http1")]
    [InlineData("h2c")]
    public void Validate_ProtocolWithoutTls_Valid(string protocol)
    {
        var result = ConfigLoader.LoadFromText(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    protocol: " + protocol + "\n", "f.yaml", isYaml: true);

        Assert.Empty(result.Errors);
        Assert.Equal(protocol, result.Config!.Clusters["app"].Protocol);
    }

    [Fact]
    public void Load_NoProtocol_Http1()
    {
        var result = ConfigLoader.LoadFromText(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n", "f.yaml", isYaml: true);

        Assert.Equal(UpstreamProtocols.Http1, result.Config!.Clusters["app"].Protocol);
        Assert.Null(result.Config.Clusters["app"].Http2);
    }

    [Fact]
    public void Validate_H2WithTls_Valid()
    {
        var errors = ConfigSamples.Errors(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    protocol: h2\n    tls: { server_name: localhost }\n");

        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_H2WithoutTls_ErrorNeedsTls()
    {
        var error = ConfigSamples.Single(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    protocol: h2\n");

        Assert.Equal("clusters.app.protocol", error.Path);
        Assert.Contains("needs the cluster's `tls:`", error.Message, StringComparison.Ordinal);
        Assert.Contains("h2c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_H2cWithTls_ErrorPointsToH2()
    {
        var error = ConfigSamples.Single(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    protocol: h2c\n    tls: { server_name: localhost }\n");

        Assert.Equal("clusters.app.protocol", error.Path);
        Assert.Contains("use protocol: h2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("h3")]
    [InlineData("HTTP2")]
    [InlineData("auto")]
    public void Validate_UnknownProtocol_ErrorListsTheKnownOnes(string protocol)
    {
        var error = ConfigSamples.Single(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    protocol: " + protocol + "\n");

        Assert.Equal("clusters.app.protocol", error.Path);
        Assert.Contains("'http1', 'h2c' or 'h2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Http2SectionOnHttp1Cluster_Error()
    {
        var error = ConfigSamples.Single(Listener + "clusters:\n  app:\n    endpoints: [127.0.0.1:9001]\n    http2: { max_concurrent_streams: 10 }\n");

        Assert.Equal("clusters.app.http2", error.Path);
        Assert.Contains("HTTP/2 upstreams only", error.Message, StringComparison.Ordinal);
    }
}
