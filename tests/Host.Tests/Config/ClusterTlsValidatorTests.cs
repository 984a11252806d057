namespace FastProxy.Host.Tests.Config;

public class ClusterTlsValidatorTests
{
    private const string Listener = "listeners:\n  - address: 127.0.0.1:8080\n";

    private static string Cluster(string tls) => Listener + "clusters:\n  orders:\n    endpoints: [orders.internal:8443]\n    tls: " + tls + "\n";

    [Fact]
    public void Validate_EmptyBlock_NoErrors()
    {
        Assert.Empty(ConfigSamples.Errors(Cluster("{}")));
    }

    [Fact]
    public void Validate_EveryOption_NoErrors()
    {
        var tls = "{ server_name: orders.example.com, ca: certs/upstream-ca.pem, client_certificate: certs/proxy.pem, client_key: certs/proxy.key, min_version: 1.3, revocation: online }";

        Assert.Empty(ConfigSamples.Errors(Cluster(tls)));
    }

    [Theory]
    [InlineData("10.0.1.5")]
    [InlineData("localhost")]
    public void Validate_ServerNameHostOrIp_NoErrors(string name)
    {
        Assert.Empty(ConfigSamples.Errors(Cluster($"{{ server_name: '{name}' }}")));
    }

    [Theory]
    [InlineData("orders_internal")]
    [InlineData("a..b")]
    [InlineData("https://orders")]
    public void Validate_BadServerName_ErrorNamesKey(string name)
    {
        var error = ConfigSamples.Single(Cluster($"{{ server_name: '{name}' }}"));

        Assert.Equal("clusters.orders.tls.server_name", error.Path);
        Assert.Contains("not a host name or an IP address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ClientCertificateWithoutKey_ErrorAtClientKey()
    {
        var error = ConfigSamples.Single(Cluster("{ client_certificate: proxy.pem }"));

        Assert.Equal("clusters.orders.tls.client_key", error.Path);
        Assert.Contains("required with client_certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ClientKeyWithoutCertificate_ErrorAtClientCertificate()
    {
        var error = ConfigSamples.Single(Cluster("{ client_key: proxy.key }"));

        Assert.Equal("clusters.orders.tls.client_certificate", error.Path);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("1.0")]
    [InlineData("tls13")]
    public void Validate_UnknownMinVersion_ErrorNamesKey(string version)
    {
        var error = ConfigSamples.Single(Cluster($"{{ min_version: '{version}' }}"));

        Assert.Equal("clusters.orders.tls.min_version", error.Path);
        Assert.Contains("expected 1.2 or 1.3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownRevocation_ErrorNamesKey()
    {
        var error = ConfigSamples.Single(Cluster("{ revocation: crl }"));

        Assert.Equal("clusters.orders.tls.revocation", error.Path);
    }

    [Fact]
    public void Validate_EmptyCa_ErrorNamesKey()
    {
        var error = ConfigSamples.Single(Cluster("{ ca: '' }"));

        Assert.Equal("clusters.orders.tls.ca", error.Path);
    }

    [Fact]
    public void Validate_SkipVerifySwitch_RefusedAsUnknownKey()
    {
        // A zero-trust proxy verifies every upstream: there is no key to turn verification off.
        var error = ConfigSamples.Single(Cluster("{ insecure_skip_verify: true }"));

        Assert.Equal("clusters.orders.tls.insecure_skip_verify", error.Path);
        Assert.Contains("unknown key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://orders.internal:8443")]
    [InlineData("http://127.0.0.1:9001")]
    public void Validate_UrlEndpoint_ErrorPointsToTheTlsBlock(string endpoint)
    {
        var error = ConfigSamples.Single(Listener + $"clusters:\n  orders:\n    endpoints: ['{endpoint}']\n");

        Assert.Equal("clusters.orders.endpoints[0]", error.Path);
        Assert.Contains("without a scheme; for TLS to this upstream add a `tls:` block", error.Message, StringComparison.Ordinal);
    }
}
