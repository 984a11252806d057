using System.Security.Cryptography;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Tests.TestSupport;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.Identity;

/// <summary>
/// Our <see cref="JwsValidator"/> against the independent reference, JsonWebTokenHandler, on a
/// generated corpus: valid tokens of every algorithm and key shape, each also mutated in one way.
/// Both must give the same verdict, and the same subject when they accept.
/// </summary>
public sealed class JwsValidatorDifferentialTests
{
    private static readonly ECDsa OtherP384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private static readonly ECDsa OtherP521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);

    /// <summary>Kids on most keys; the P-384 key has none, so it is tried for any token (as a static PEM is).</summary>
    private static readonly SecurityKey[] Keys =
    [
        new RsaSecurityKey(TestKeys.Rsa) { KeyId = "r1" },
        new RsaSecurityKey(TestKeys.OtherRsa) { KeyId = "r2" },
        new ECDsaSecurityKey(TestKeys.Ec) { KeyId = "e1" },
        new ECDsaSecurityKey(JwsTokens.P384),
        new ECDsaSecurityKey(JwsTokens.P521) { KeyId = "e3" },
    ];

    private static readonly (string Alg, AsymmetricAlgorithm Key, AsymmetricAlgorithm Foreign, string? Kid, Dictionary<string, string?>? Claims)[] Bases =
    [
        ("RS256", TestKeys.Rsa, TestKeys.OtherRsa, "r1", null),
        ("RS256", TestKeys.Rsa, TestKeys.OtherRsa, null, new() { ["aud"] = "[\"billing-api\",\"orders-api\"]" }),
        ("RS384", TestKeys.Rsa, TestKeys.OtherRsa, "r1", new() { ["nbf"] = JwsTokens.Seconds(-60) }),
        ("RS512", TestKeys.OtherRsa, TestKeys.Rsa, "r2", new() { ["aud"] = "\"second-api\"" }),
        ("PS256", TestKeys.Rsa, TestKeys.OtherRsa, "r1", new() { ["sub"] = "\"bob\"" }),
        ("PS384", TestKeys.OtherRsa, TestKeys.Rsa, null, null),
        ("PS512", TestKeys.Rsa, TestKeys.OtherRsa, "r1", new() { ["iss"] = "\"https:\\/\\/idp.test\"" }),
        ("ES256", TestKeys.Ec, JwsTokens.OtherP256, "e1", null),
        ("ES256", TestKeys.Ec, JwsTokens.OtherP256, null, new() { ["scope"] = "\"orders:read\"" }),
        ("ES384", JwsTokens.P384, OtherP384, null, new() { ["exp"] = JwsTokens.Seconds(3600) }),
        ("ES384", JwsTokens.P384, OtherP384, "not-in-the-set", null),
        ("ES512", JwsTokens.P521, OtherP521, "e3", new() { ["sub"] = "\"carol\"", ["nbf"] = JwsTokens.Seconds(0) }),
    ];

    private static readonly Dictionary<string, string> SameFamilySwap = new(StringComparer.Ordinal)
    {
        ["RS256"] = "RS384", ["RS384"] = "RS512", ["RS512"] = "PS512", ["PS256"] = "RS256", ["PS384"] = "PS256", ["PS512"] = "PS384",
        ["ES256"] = "ES384", ["ES384"] = "ES256", ["ES512"] = "ES384",
    };

    [Fact]
    public async Task Validate_GeneratedCorpus_SameVerdictAsJsonWebTokenHandler()
    {
        var validator = JwsValidators.Create(Keys);
        var handler = new JsonWebTokenHandler { MapInboundClaims = false };
        var parameters = ReferenceParameters();
        var corpus = Corpus();
        var mismatches = new List<string>();
        var accepted = 0;

        foreach (var (name, token) in corpus)
        {
            var ours = validator.Check(token, out var ourSubject);
            var reference = await handler.ValidateTokenAsync(token, parameters);
            var theirSubject = reference.IsValid ? ((JsonWebToken)reference.SecurityToken).Subject : null;
            if ((ours == AuthFailure.None) != reference.IsValid || !string.Equals(ourSubject, theirSubject, StringComparison.Ordinal))
            {
                mismatches.Add($"{name}: ours {ours} ({ourSubject}), reference {(reference.IsValid ? "valid" : reference.Exception?.GetType().Name)} ({theirSubject})");
            }

            accepted += ours == AuthFailure.None ? 1 : 0;
        }

        Assert.True(corpus.Count >= 200, $"corpus has {corpus.Count} tokens");
        Assert.Empty(mismatches);

        // Each base token is accepted, and so are its in-skew time shifts and sub change (and an
        // unknown kid where a key without kid verifies): the corpus exercises both verdicts.
        Assert.InRange(accepted, Bases.Length * 4, Bases.Length * 5);
    }

    private static List<(string Name, string Token)> Corpus()
    {
        var corpus = new List<(string, string)>();
        for (var b = 0; b < Bases.Length; b++)
        {
            var (alg, key, foreign, kid, claims) = Bases[b];
            string Make(Dictionary<string, string?>? change = null, AsymmetricAlgorithm? signer = null, string? header = null)
            {
                var merged = new Dictionary<string, string?>(claims ?? [], StringComparer.Ordinal);
                foreach (var (k, v) in change ?? [])
                {
                    merged[k] = v;
                }

                return JwsTokens.Sign(header ?? JwsTokens.Header(alg, kid), JwsTokens.Payload(merged), signer ?? key, alg);
            }

            var valid = Make();
            var prefix = $"#{b} {alg} kid={kid ?? "-"}";
            var parts = valid.Split('.');
            corpus.Add((prefix + " valid", valid));
            corpus.Add((prefix + " header byte flipped", JwsTokens.FlipChar(valid, 0, parts[0].Length / 2)));
            corpus.Add((prefix + " payload byte flipped", JwsTokens.FlipChar(valid, 1, parts[1].Length / 2)));
            corpus.Add((prefix + " signature byte flipped", JwsTokens.FlipChar(valid, 2, parts[2].Length / 2)));
            corpus.Add((prefix + " re-signed by a foreign key", Make(signer: foreign)));
            corpus.Add((prefix + " alg swapped in family", SwapAlg(valid, alg, SameFamilySwap[alg], kid)));
            corpus.Add((prefix + " alg swapped across families", SwapAlg(valid, alg, alg.StartsWith("ES", StringComparison.Ordinal) ? "RS256" : "ES256", kid)));
            corpus.Add((prefix + " exp removed", Make(new() { ["exp"] = null })));
            corpus.Add((prefix + " aud removed", Make(new() { ["aud"] = null })));
            corpus.Add((prefix + " iss removed", Make(new() { ["iss"] = null })));
            corpus.Add((prefix + " aud changed", Make(new() { ["aud"] = "\"billing-api\"" })));
            corpus.Add((prefix + " iss changed", Make(new() { ["iss"] = "\"https://evil.test\"" })));
            corpus.Add((prefix + " sub changed", Make(new() { ["sub"] = "\"mallory\"" })));
            corpus.Add((prefix + " expired an hour ago", Make(new() { ["exp"] = JwsTokens.Seconds(-3600) })));
            corpus.Add((prefix + " expired within skew", Make(new() { ["exp"] = JwsTokens.Seconds(-20) })));
            corpus.Add((prefix + " expired just beyond skew", Make(new() { ["exp"] = JwsTokens.Seconds(-31) })));
            corpus.Add((prefix + " nbf in an hour", Make(new() { ["nbf"] = JwsTokens.Seconds(3600) })));
            corpus.Add((prefix + " nbf within skew", Make(new() { ["nbf"] = JwsTokens.Seconds(20) })));
            corpus.Add((prefix + " nbf just beyond skew", Make(new() { ["nbf"] = JwsTokens.Seconds(31) })));
            corpus.Add((prefix + " kid unknown", Make(header: JwsTokens.Header(alg, "unknown-" + b))));
        }

        return corpus;
    }

    /// <summary>The header's alg replaced, payload and signature kept.</summary>
    private static string SwapAlg(string token, string alg, string other, string? kid)
        => JwsTokens.Encode(JwsTokens.Header(other, kid)) + token[token.IndexOf('.', StringComparison.Ordinal)..];

    /// <summary>
    /// What <see cref="JsonWebTokenHandler"/> needs to check exactly what we check: issuer, audience
    /// (no trailing-slash leniency), exp required, lifetime at the fixed test clock with the same
    /// skew and edges, asymmetric algorithms only, keys resolved by kid as KeySnapshot does.
    /// </summary>
    private static TokenValidationParameters ReferenceParameters()
    {
        var config = JwsValidators.Config();
        var skew = TimeSpan.FromSeconds(config.ClockSkewSeconds);
        var now = JwsTokens.Now.UtcDateTime;
        return new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = config.Issuer,
            ValidateAudience = true,
            RequireAudience = true,
            ValidAudiences = [.. config.Audiences],
            IgnoreTrailingSlashWhenValidatingAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = skew,
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } exp && exp.ToUniversalTime() >= now - skew && (notBefore is not { } nbf || nbf.ToUniversalTime() <= now + skew),
            RequireSignedTokens = true,
            ValidAlgorithms = [.. config.Algorithms],
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) => Resolve(kid),
            LogValidationExceptions = false,
        };
    }

    private static SecurityKey[] Resolve(string? kid)
    {
        if (string.IsNullOrEmpty(kid))
        {
            return Keys;
        }

        var byKid = Keys.Where(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal)).ToArray();
        return byKid.Length > 0 ? byKid : Keys.Where(k => string.IsNullOrEmpty(k.KeyId)).ToArray();
    }
}
