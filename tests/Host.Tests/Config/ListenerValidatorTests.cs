namespace FastProxy.Host.Tests.Config;

public class ListenerValidatorTests
{
    private const string Rest = "clusters:\n  app: { endpoints: [127.0.0.1:9001] }\n";

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
    [InlineData("h2c", "reserved for HTTP/2")]
    [InlineData("auto", "reserved for HTTP/2")]
    [InlineData("http3", "unknown protocol")]
    public void Validate_Protocol_ErrorUnlessHttp1(string protocol, string message)
    {
        var error = ConfigSamples.Single($"listeners:\n  - address: 127.0.0.1:8080\n    protocol: {protocol}\n" + Rest);

        Assert.Equal("listeners[0].protocol", error.Path);
        Assert.Equal(3, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
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
