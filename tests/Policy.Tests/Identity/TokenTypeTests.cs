using FastProxy.Core.Gate;
using FastProxy.Policy.Config;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.Identity;

/// <summary>
/// Issue 10 item 4: a provider's token_types checks the JWT `typ` header (RFC 8725 §3.11), so an
/// ID token is not accepted where access tokens (`at+jwt`, RFC 9068 §2.1) are asked for. Media
/// type rules apply (RFC 7515 §4.1.9): `application/` is optional, case does not matter.
/// </summary>
public sealed class TokenTypeTests
{
    private static JwsValidator Validator(params string[] tokenTypes)
        => new([new IdentityProvider(0, JwsValidators.Config() with { TokenTypes = tokenTypes }, new StaticKeySource([new RsaSecurityKey(TestKeys.Rsa)]))], NullLogger.Instance);

    private static string Token(string? typMember)
        => JwsTokens.Sign("{\"alg\":\"RS256\"" + (typMember is null ? "" : "," + typMember) + "}", JwsTokens.Payload(), TestKeys.Rsa, "RS256");

    [Theory]
    [InlineData("\"typ\":\"at+jwt\"")]
    [InlineData("\"typ\":\"application/at+jwt\"")]
    [InlineData("\"typ\":\"AT+JWT\"")]
    [InlineData("\"typ\":\"Application/At+Jwt\"")]
    [InlineData("\"typ\":\"at\\u002bjwt\"")]
    public void Validate_TypIsAConfiguredType_Valid(string typ)
        => Assert.Equal(AuthFailure.None, Validator("at+jwt").Check(Token(typ)));

    [Theory]
    [InlineData("at+jwt")]
    [InlineData("application/at+jwt")]
    public void Validate_ConfiguredWithOrWithoutApplicationPrefix_SameType(string configured)
    {
        Assert.Equal(AuthFailure.None, Validator(configured).Check(Token("\"typ\":\"at+jwt\"")));
        Assert.Equal(AuthFailure.None, Validator(configured).Check(Token("\"typ\":\"application/at+jwt\"")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("\"typ\":\"JWT\"")]
    [InlineData("\"typ\":\"\"")]
    [InlineData("\"typ\":\"text/at+jwt\"")]
    [InlineData("\"typ\":\"application/at+jwt+x\"")]
    [InlineData("\"typ\":\"at+jwt \"")]
    [InlineData("\"typ\":1")]
    [InlineData("\"typ\":[\"at+jwt\"]")]
    [InlineData("\"typ\":null")]
    public void Validate_TypMissingOrNotConfigured_InvalidTokenType(string? typ)
        => Assert.Equal(AuthFailure.InvalidTokenType, Validator("at+jwt").Check(Token(typ)));

    [Fact]
    public void Validate_TypLongerThanAnyMediaType_InvalidTokenType()
        => Assert.Equal(AuthFailure.InvalidTokenType, Validator("at+jwt").Check(Token("\"typ\":\"application/" + new string('a', 300) + "\"")));

    [Fact]
    public void Validate_SeveralConfiguredTypes_AnyOfThem()
    {
        var validator = Validator("at+jwt", "application/jwt");

        Assert.Equal(AuthFailure.None, validator.Check(Token("\"typ\":\"JWT\"")));
        Assert.Equal(AuthFailure.None, validator.Check(Token("\"typ\":\"at+jwt\"")));
        Assert.Equal(AuthFailure.InvalidTokenType, validator.Check(Token("\"typ\":\"id+jwt\"")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("\"typ\":\"JWT\"")]
    [InlineData("\"typ\":\"anything\"")]
    [InlineData("\"typ\":1")]
    public void Validate_NoTokenTypesConfigured_TypNotChecked(string? typ)
        => Assert.Equal(AuthFailure.None, Validator().Check(Token(typ)));

    [Fact]
    public async Task Evaluate_IdTokenWhereAccessTokensRequired_InvalidToken401WithReason()
    {
        var provider = PolicyDocuments.Provider(TestKeys.RsaPublicPem) with { TokenTypes = ["at+jwt"] };
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers(provider: provider));
        GateDecision Send(string typ) => GateHarness.Evaluate(new PolicyGate(policy), policy, "GET", "https://api.test/api/orders/7", new DictionaryRequestHeaders().Add("Authorization", "Bearer " + JwsTokens.Sign("{\"alg\":\"RS256\",\"typ\":\"" + typ + "\"}", TestKeys.Payload(), TestKeys.Rsa, "RS256")));

        var refused = Send("JWT");

        Assert.Equal(401, refused.Status);
        Assert.Contains("error=\"invalid_token\"", GateHarness.Headers(refused), StringComparison.Ordinal);
        Assert.Equal("{\"error\":\"unauthorized\",\"reason\":\"invalid_token_type\"}", GateHarness.Body(refused));
        Assert.Equal(GateVerdict.Allow, Send("at+jwt").Verdict);
    }

    [Fact]
    public void Codes_InvalidTokenType_StableSnakeCase()
        => Assert.Equal("invalid_token_type", AuthFailureCodes.Get(AuthFailure.InvalidTokenType));

    [Fact]
    public void IdentityProviderConfig_TokenTypes_EmptyByDefault()
        => Assert.Empty(new IdentityProviderConfig().TokenTypes);
}
