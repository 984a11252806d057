namespace FastProxy.Host.Tests.Config;

public class AdminValidatorTests
{
    [Fact]
    public void Validate_NoAdmin_Off()
    {
        Assert.Empty(ConfigSamples.Errors(ConfigSamples.MinimalYaml + "admin: {}\n"));
    }

    [Fact]
    public void Validate_NameAddress_Error()
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "admin:\n  address: localhost:9901\n");

        Assert.Equal("admin.address", error.Path);
        Assert.Equal(9, error.Line);
    }

    [Fact]
    public void Validate_SameAsListener_Error()
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "admin:\n  address: 127.0.0.1:8080\n");

        Assert.Contains("also listeners[0]", error.Message, StringComparison.Ordinal);
    }
}
