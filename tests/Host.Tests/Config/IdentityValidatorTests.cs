using FastProxy.Host.Config;

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

    [Fact]
    public void Load_TokenTypes_ReachTheProviderConfig()
    {
        var result = ConfigLoader.LoadFromText(ConfigSamples.MinimalYaml + """
            identity:
              providers:
                - name: corp
                  issuer: https://a
                  token_types: [at+jwt, application/JWT]
            """, "fastproxy.yaml", isYaml: true);

        Assert.True(result.Success, string.Join(" | ", result.Errors));
        Assert.Equal(["at+jwt", "application/JWT"], result.Config!.Identity.Providers[0].TokenTypes);
    }

    [Fact]
    public void Load_NoTokenTypes_EmptyList()
    {
        var result = ConfigLoader.LoadFromText(ConfigSamples.MinimalYaml + "identity:\n  providers:\n    - { name: corp, issuer: https://a }\n", "fastproxy.yaml", isYaml: true);

        Assert.True(result.Success, string.Join(" | ", result.Errors));
        Assert.Empty(result.Config!.Identity.Providers[0].TokenTypes);
    }

    [Theory]
    [InlineData("''")]
    [InlineData("'at jwt'")]
    [InlineData("a/b/c")]
    [InlineData("/jwt")]
    [InlineData("at+jwt/")]
    [InlineData("+jwt")]
    [InlineData("'at+jwt;q=1'")]
    [InlineData("ät+jwt")]
    public void Validate_BadTokenType_ErrorAtTheEntry(string value)
    {
        var error = ConfigSamples.Single(ConfigSamples.MinimalYaml + "identity:\n  providers:\n    - name: corp\n      issuer: https://a\n      token_types: [at+jwt, " + value + "]\n");

        Assert.Equal("identity.providers[0].token_types[1]", error.Path);
        Assert.Contains("media type", error.Message, StringComparison.Ordinal);
    }
}
