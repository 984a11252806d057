using System.Text;
using FastProxy.Policy.Config;
using FastProxy.Policy.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>A <see cref="JwsValidator"/> over one static-key provider (iss https://idp.test, aud orders-api, skew 30 s).</summary>
internal static class JwsValidators
{
    public static readonly string[] AllAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    public static IdentityProviderConfig Config(string[]? algorithms = null) => new()
    {
        Name = "idp",
        Issuer = TestKeys.Issuer,
        Audiences = [TestKeys.Audience, "second-api"],
        Algorithms = algorithms ?? AllAlgorithms,
        ClockSkewSeconds = 30,
    };

    public static JwsValidator Create(params SecurityKey[] keys) => Create(AllAlgorithms, keys);

    public static JwsValidator Create(string[] algorithms, params SecurityKey[] keys)
        => new([new IdentityProvider(0, Config(algorithms), new StaticKeySource(keys))], NullLogger.Instance);

    /// <summary>Validates at <see cref="JwsTokens.Now"/> (or <paramref name="nowUtcTicks"/>); asserts no refresh was started.</summary>
    public static AuthFailure Check(this JwsValidator validator, string token, long? nowUtcTicks = null)
        => validator.Check(token, out _, nowUtcTicks);

    public static AuthFailure Check(this JwsValidator validator, string token, out string? subject, long? nowUtcTicks = null)
    {
        var failure = validator.Validate(Encoding.UTF8.GetBytes(token), nowUtcTicks ?? JwsTokens.Now.UtcTicks, out var validated, out var pending);
        Assert.Null(pending);
        using (validated)
        {
            subject = failure == AuthFailure.None && validated.Payload.TryGetProperty("sub", out var sub) ? sub.GetString() : null;
        }

        return failure;
    }
}
