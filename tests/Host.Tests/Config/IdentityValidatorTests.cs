namespace FastProxy.Host.Tests.Config;

public class IdentityValidatorTests
{
    [Fact]
    public void Validate_DuplicateNameAndEmptyIssuer_BothReported()
    {
        var errors = ConfigSamples.Errors(ConfigSamples.MinimalYaml + """
            identity:
              providers:
                - name: corp
                  issuer: https://a
                - name: corp
                  issuer: ''
                - issuer: https://c
            """);

        Assert.Equal(3, errors.Count);
        Assert.Equal(12, ConfigSamples.Find(errors, "identity.providers[1].name").Line);
        Assert.Equal(13, ConfigSamples.Find(errors, "identity.providers[1].issuer").Line);
        Assert.Equal(14, ConfigSamples.Find(errors, "identity.providers[2].name").Line);
    }

    [Theory]
    [InlineData("token: { max_bytes: 0 }", "identity.token.max_bytes")]
    [InlineData("token_cache: { size: -1 }", "identity.token_cache.size")]
    public void Validate_BadSizes_Error(string setting, string path)
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "identity:\n  " + setting + "\n");

        Assert.Equal(path, error.Path);
        Assert.Equal(9, error.Line);
    }
}
