namespace FastProxy.Host.Tests.Config;

public class ListenerValidatorTests
{
    private const string Rest = "clusters:\n  app: { endpoints: [127.0.0.1:9001] }\n";

    [Theory]
    [InlineData("proxy_protocol: { trusted: [] }", "listeners[0].proxy_protocol.trusted")]
    [InlineData("proxy_protocol: { trusted: [10.0.0.0/33] }", "listeners[0].proxy_protocol.trusted[0]")]
    [InlineData("proxy_protocol: { trusted: [lb.example] }", "listeners[0].proxy_protocol.trusted[0]")]
    [InlineData("proxy_protocol: { trusted: [10.0.0.1], header_seconds: 0 }", "listeners[0].proxy_protocol.header_seconds")]
    public void Validate_BadProxyProtocol_ErrorAtTheKey(string setting, string path)
    {
        var error = ConfigSamples.Single("listeners:\n  - address: 127.0.0.1:8080\n    " + setting + "\n" + Rest);

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Validate_ProxyProtocolWithNetworksAndAddresses_NoErrors()
    {
        Assert.Empty(ConfigSamples.Errors("listeners:\n  - address: 127.0.0.1:8080\n    proxy_protocol: { trusted: [10.0.0.0/8, 192.0.2.10, \"2001:db8::/32\"], header_seconds: 3 }\n" + Rest));
    }

    [Fact]
    public void Validate_NoListeners_Error()
    {
        var error = ConfigSamples.Single("listeners: []\n" + Rest);

        Assert.Equal("listeners", error.Path);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Validate_HostName_ErrorAtAddressLine()
    {
        var error = ConfigSamples.Single("listeners:\n  - protocol: http1\n    address: localhost:8080\n" + Rest);

        Assert.Equal("listeners[0].address", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Contains("IP literal", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateAddress_ErrorNamesOther()
    {
        var error = ConfigSamples.Single("listeners:\n  - address: 127.0.0.1:8080\n  - address: 127.0.0.1:8080\n" + Rest);

        Assert.Equal("listeners[1].address", error.Path);
        Assert.Contains("also listeners[0]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http1")]
    [InlineData("h2c")]
    [InlineData("auto")]
    public void Validate_KnownProtocolOnPlainListener_NoErrors(string protocol)
    {
        Assert.Empty(ConfigSamples.Errors($"listeners:\n  - address: 127.0.0.1:8080\n    protocol: {protocol}\n" + Rest));
    }

    [Fact]
    public void Validate_UnknownProtocol_ErrorNamesTheChoices()
    {
        var error = ConfigSamples.Single("listeners:\n  - address: 127.0.0.1:8080\n    protocol: http3\n" + Rest);

        Assert.Equal("listeners[0].protocol", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Contains("unknown protocol 'http3'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'auto'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_H2cOnTlsListener_ErrorPointsToAuto()
    {
        var error = ConfigSamples.Single("listeners:\n  - address: 127.0.0.1:8443\n    protocol: h2c\n    tls: { certificate: a.pem, key: a.key }\n" + Rest);

        Assert.Equal("listeners[0].protocol", error.Path);
        Assert.Contains("ALPN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AutoOnTlsListener_NoErrors()
    {
        Assert.Empty(ConfigSamples.Errors("listeners:\n  - address: 127.0.0.1:8443\n    protocol: auto\n    tls: { certificate: a.pem, key: a.key }\n" + Rest));
    }

    [Fact]
    public void Validate_TwoEphemeralPorts_NotDuplicates()
    {
        Assert.Empty(ConfigSamples.Errors("listeners:\n  - address: 127.0.0.1:0\n  - address: 127.0.0.1:0\n" + Rest));
    }

    [Fact]
    public void Validate_AllAddressForms_NoErrors()
    {
        Assert.Empty(ConfigSamples.Errors("listeners:\n  - address: 0.0.0.0:8080\n  - address: '[::]:8080'\n  - address: '[::1]:8081'\n" + Rest));
    }
}
