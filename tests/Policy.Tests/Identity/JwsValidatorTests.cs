using System.Security.Cryptography;
using System.Text;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Tests.TestSupport;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.Identity;

public sealed class JwsValidatorTests
{
    private static readonly RsaSecurityKey RsaKey = new(TestKeys.Rsa);
    private static readonly ECDsaSecurityKey P256Key = new(TestKeys.Ec);
    private static readonly ECDsaSecurityKey P384Key = new(JwsTokens.P384);
    private static readonly ECDsaSecurityKey P521Key = new(JwsTokens.P521);

    private static readonly JwsValidator Validator = JwsValidators.Create(RsaKey, P256Key, P384Key, P521Key);

    private static string Rs256(Dictionary<string, string?>? extra = null) => JwsTokens.Token(TestKeys.Rsa, "RS256", extra: extra);

    [Theory]
    [InlineData("RS256")]
    [InlineData("RS384")]
    [InlineData("RS512")]
    [InlineData("PS256")]
    [InlineData("PS384")]
    [InlineData("PS512")]
    public void Validate_RsaAlgorithms_Valid(string alg)
    {
        Assert.Equal(AuthFailure.None, Validator.Check(JwsTokens.Token(TestKeys.Rsa, alg), out var subject));
        Assert.Equal("alice", subject);
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("ES384")]
    [InlineData("ES512")]
    public void Validate_EcdsaAlgorithms_Valid(string alg)
        => Assert.Equal(AuthFailure.None, Validator.Check(JwsTokens.Token(EcKeyFor(alg), alg)));

    [Theory]
    [InlineData("RS256")]
    [InlineData("PS256")]
    [InlineData("ES256")]
    [InlineData("ES384")]
    [InlineData("ES512")]
    public void Validate_TamperedPayload_InvalidSignature(string alg)
    {
        var token = JwsTokens.Token(KeyFor(alg), alg, extra: new() { ["roles"] = "[\"writer\"]" });
        var parts = token.Split('.');
        var forged = parts[0] + "." + JwsTokens.Encode(JwsTokens.Payload()) + "." + parts[2];

        Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(forged));
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("PS256")]
    [InlineData("ES256")]
    [InlineData("ES384")]
    public void Validate_TamperedSignature_InvalidSignature(string alg)
    {
        var token = JwsTokens.WithSignature(JwsTokens.Token(KeyFor(alg), alg), signature =>
        {
            signature[signature.Length / 2] ^= 0x01;
            return signature;
        });

        Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(token));
    }

    [Fact]
    public void Validate_Es256SignedByAnotherP256Key_InvalidSignature()
        => Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(JwsTokens.Token(JwsTokens.OtherP256, "ES256")));

    [Fact]
    public void Validate_Rs256SignedByOtherRsaKey_InvalidSignature()
        => Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(JwsTokens.Token(TestKeys.OtherRsa, "RS256")));

    [Fact]
    public void Validate_RsaTokenAgainstOnlyEcKey_InvalidSignature()
    {
        var ecOnly = JwsValidators.Create(P256Key);

        Assert.Equal(AuthFailure.InvalidSignature, ecOnly.Check(Rs256()));
    }

    [Fact]
    public void Validate_EcTokenAgainstOnlyRsaKey_InvalidSignature()
    {
        var rsaOnly = JwsValidators.Create(RsaKey);

        Assert.Equal(AuthFailure.InvalidSignature, rsaOnly.Check(JwsTokens.Token(TestKeys.Ec, "ES256")));
    }

    [Fact]
    public void Validate_Es384NameWithP256KeyAndSha384_InvalidSignature()
    {
        // A valid ECDSA signature of the SHA-384 hash by a P-256 key: RFC 7518 §3.4 ties ES384 to P-384.
        var onlyP256 = JwsValidators.Create(P256Key);
        var token = JwsTokens.Token(TestKeys.Ec, "ES384");

        Assert.Equal(AuthFailure.InvalidSignature, onlyP256.Check(token));
    }

    [Fact]
    public void Validate_RsaSignatureOneByteShort_InvalidSignature()
        => Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(JwsTokens.WithSignature(Rs256(), signature => signature[..^1])));

    [Fact]
    public void Validate_RsaSignatureLongerThanAnyKey_InvalidSignature()
        => Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(JwsTokens.WithSignature(Rs256(), _ => new byte[JwsValidator.MaxSignatureBytes + 3])));

    [Fact]
    public void Validate_EcdsaSignatureInDerFormat_InvalidSignature()
    {
        var input = JwsTokens.Encode(JwsTokens.Header("ES256")) + "." + JwsTokens.Encode(JwsTokens.Payload());
        var der = TestKeys.Ec.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(input + "." + JwsTokens.Encode(der)));
    }

    [Fact]
    public void Validate_EcdsaSignatureWithExtraByte_InvalidSignature()
        => Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(JwsTokens.WithSignature(JwsTokens.Token(TestKeys.Ec, "ES256"), signature => [.. signature, 0])));

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    [InlineData("RS256 ")]
    [InlineData("rs256")]
    [InlineData("RS1024")]
    public void Validate_AlgorithmNotInAllowList_AlgorithmNotAllowed(string alg)
        => Assert.Equal(AuthFailure.AlgorithmNotAllowed, Validator.Check(JwsTokens.Sign(JwsTokens.Header(alg), JwsTokens.Payload(), TestKeys.Rsa, "RS256")));

    [Fact]
    public void Validate_AlgNoneEmptySignature_AlgorithmNotAllowed()
        => Assert.Equal(AuthFailure.AlgorithmNotAllowed, Validator.Check(JwsTokens.Encode("{\"alg\":\"none\"}") + "." + JwsTokens.Encode(JwsTokens.Payload()) + "."));

    [Fact]
    public void Validate_AlgorithmNotConfigured_AlgorithmNotAllowed()
    {
        var rs256Only = JwsValidators.Create(["RS256"], RsaKey);

        Assert.Equal(AuthFailure.AlgorithmNotAllowed, rs256Only.Check(JwsTokens.Token(TestKeys.Rsa, "PS256")));
    }

    [Fact]
    public void Validate_MissingAlg_AlgorithmNotAllowed()
        => Assert.Equal(AuthFailure.AlgorithmNotAllowed, Validator.Check(JwsTokens.Sign("{\"typ\":\"JWT\"}", JwsTokens.Payload(), TestKeys.Rsa, "RS256")));

    [Fact]
    public void Validate_EscapedAlg_Valid()
        => Assert.Equal(AuthFailure.None, Validator.Check(JwsTokens.Sign("{\"alg\":\"RS\\u0032\\u00356\"}", JwsTokens.Payload(), TestKeys.Rsa, "RS256")));

    [Theory]
    [InlineData("{\"alg\":\"RS256\",\"alg\":\"RS256\"}")]
    [InlineData("{\"alg\":\"RS256\",\"alg\":\"none\"}")]
    [InlineData("{\"alg\":\"RS256\",\"\\u0061lg\":\"RS256\"}")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":\"a\",\"kid\":\"b\"}")]
    [InlineData("{\"alg\":\"RS256\",\"x\":1,\"x\":2}")]
    public void Validate_DuplicateHeaderMember_Malformed(string header)
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(JwsTokens.Sign(header, JwsTokens.Payload(), TestKeys.Rsa, "RS256")));

    [Theory]
    [InlineData("\"iss\":\"https://idp.test\",\"iss\":\"https://idp.test\"")]
    [InlineData("\"iss\":\"https://evil.test\",\"iss\":\"https://idp.test\"")]
    [InlineData("\"exp\":1,\"exp\":99999999999")]
    [InlineData("\"aud\":\"x\",\"\\u0061ud\":\"orders-api\"")]
    [InlineData("\"realm\":{\"roles\":[\"a\"],\"roles\":[\"b\"]}")]
    public void Validate_DuplicatePayloadMember_Malformed(string members)
    {
        var payload = "{\"sub\":\"alice\"," + members + "}";

        Assert.Equal(AuthFailure.Malformed, Validator.Check(JwsTokens.Sign(JwsTokens.Header("RS256"), payload, TestKeys.Rsa, "RS256")));
    }

    [Theory]
    [InlineData("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}")]
    [InlineData("{\"alg\":\"RS256\",\"crit\":[]}")]
    [InlineData("{\"crit\":[\"b64\"],\"b64\":false,\"alg\":\"RS256\"}")]
    public void Validate_CritHeader_Malformed(string header)
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(JwsTokens.Sign(header, JwsTokens.Payload(), TestKeys.Rsa, "RS256")));

    [Theory]
    [InlineData("jku", "\"https://evil.test/jwks\"")]
    [InlineData("x5u", "\"https://evil.test/cert.pem\"")]
    [InlineData("x5c", "[\"MIIB\"]")]
    public void Validate_KeyLocationHeaderWithForeignSignature_InvalidSignature(string name, string value)
    {
        var header = "{\"alg\":\"RS256\",\"" + name + "\":" + value + "}";

        Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(JwsTokens.Sign(header, JwsTokens.Payload(), TestKeys.OtherRsa, "RS256")));
    }

    [Fact]
    public void Validate_EmbeddedJwkOfSigningKey_InvalidSignature()
    {
        var header = "{\"alg\":\"RS256\",\"jwk\":" + TestKeys.Jwk(TestKeys.OtherRsa, "evil") + "}";

        Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(JwsTokens.Sign(header, JwsTokens.Payload(), TestKeys.OtherRsa, "RS256")));
    }

    [Fact]
    public void Validate_IgnoredHeaderMembersWithOurSignature_Valid()
    {
        var header = "{\"alg\":\"RS256\",\"jku\":\"https://evil.test\",\"x5c\":[\"a\",\"b\"],\"jwk\":{\"kty\":\"RSA\",\"n\":{\"deep\":[1,2,{\"x\":null}]}},\"typ\":\"at+jwt\"}";

        Assert.Equal(AuthFailure.None, Validator.Check(JwsTokens.Sign(header, JwsTokens.Payload(), TestKeys.Rsa, "RS256")));
    }

    [Fact]
    public void Validate_PaddedSegment_Malformed()
    {
        var parts = Rs256().Split('.');
        var padded = parts[0] + "=";

        Assert.Equal(AuthFailure.Malformed, Validator.Check(padded + "." + parts[1] + "." + parts[2]));
        Assert.Equal(AuthFailure.Malformed, Validator.Check(parts[0] + "." + parts[1] + "." + parts[2] + "=="));
    }

    [Theory]
    [InlineData('+')]
    [InlineData('/')]
    [InlineData(' ')]
    [InlineData('\t')]
    [InlineData('\n')]
    [InlineData('=')]
    [InlineData('é')]
    [InlineData('\0')]
    public void Validate_ForeignCharacterInEachSegment_Malformed(char foreign)
    {
        var token = Rs256();
        foreach (var segment in new[] { 0, 1, 2 })
        {
            var parts = token.Split('.');
            parts[segment] = parts[segment][..8] + foreign + parts[segment][8..];

            Assert.Equal(AuthFailure.Malformed, Validator.Check(string.Join('.', parts)));
        }
    }

    [Fact]
    public void Validate_StandardBase64Header_Malformed()
    {
        // Standard base64 of bytes that encode with '+' or '/' : the header must be base64url.
        var header = "{\"alg\":\"RS256\",\"x\":\"\u00fb\u00ff\u00fe\"}";
        var standard = Convert.ToBase64String(Encoding.UTF8.GetBytes(header)).TrimEnd('=');
        Assert.True(standard.Contains('+', StringComparison.Ordinal) || standard.Contains('/', StringComparison.Ordinal));
        var token = JwsTokens.SignEncoded(standard + "." + JwsTokens.Encode(JwsTokens.Payload()), TestKeys.Rsa, "RS256");

        Assert.Equal(AuthFailure.Malformed, Validator.Check(token));
    }

    [Fact]
    public void Validate_NonCanonicalTrailingBits_Malformed()
    {
        var parts = Rs256().Split('.');
        Assert.NotEqual(0, parts[1].Length % 4);

        // The last character carries unused low bits; setting one gives the same bytes, another text.
        var last = parts[1][^1];
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        parts[1] = parts[1][..^1] + alphabet[alphabet.IndexOf(last, StringComparison.Ordinal) + 1];

        Assert.Equal(AuthFailure.Malformed, Validator.Check(string.Join('.', parts)));
    }

    [Fact]
    public void Validate_SegmentLengthFourNPlusOne_Malformed()
    {
        var parts = Rs256().Split('.');
        var header = parts[0].Length % 4 == 0 ? parts[0] + "A" : parts[0] + new string('A', 5 - (parts[0].Length % 4));

        Assert.Equal(1, header.Length % 4);
        Assert.Equal(AuthFailure.Malformed, Validator.Check(header + "." + parts[1] + "." + parts[2]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData(".b.c")]
    [InlineData("a..c")]
    [InlineData("a.b.c.d.e")]
    [InlineData("....")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC50ZXN0In0.!!!")]
    public void Validate_NotThreeSegments_Malformed(string token)
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(token));

    [Fact]
    public void Validate_JweFiveSegments_Malformed()
    {
        var parts = Rs256().Split('.');

        Assert.Equal(AuthFailure.Malformed, Validator.Check(string.Join('.', parts[0], "", parts[1], parts[2], parts[2])));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[\"alg\",\"RS256\"]")]
    [InlineData("{\"alg\":\"RS256\"")]
    [InlineData("{\"alg\":\"RS256\"} {}")]
    [InlineData("{\"alg\":\"RS256\",}")]
    [InlineData("{\"alg\":RS256}")]
    [InlineData("{\"alg\":256}")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":7}")]
    [InlineData("{\"alg\":\"RS256\",/*c*/\"typ\":\"JWT\"}")]
    public void Validate_HeaderNotAJoseObject_Malformed(string header)
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(JwsTokens.Sign(header, JwsTokens.Payload(), TestKeys.Rsa, "RS256")));

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("\"claims\"")]
    [InlineData("{\"iss\":\"https://idp.test\"} {}")]
    [InlineData("{\"iss\":\"https://idp.test\",}")]
    [InlineData("{\"iss\":\"https://idp.test\"")]
    public void Validate_PayloadNotAJsonObject_Malformed(string payload)
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(JwsTokens.Sign(JwsTokens.Header("RS256"), payload, TestKeys.Rsa, "RS256")));

    [Fact]
    public void Validate_PayloadNestedTooDeep_Malformed()
    {
        var payload = JwsTokens.Payload(new() { ["deep"] = new string('[', 40) + new string(']', 40) });

        Assert.Equal(AuthFailure.Malformed, Validator.Check(JwsTokens.Sign(JwsTokens.Header("RS256"), payload, TestKeys.Rsa, "RS256")));
    }

    [Theory]
    [InlineData("\"https:\\/\\/idp.test\"")]
    [InlineData("\"\\u0068ttps://idp.test\"")]
    [InlineData("\"https://idp\\u002etest\"")]
    public void Validate_IssuerWithJsonEscapes_Valid(string iss)
        => Assert.Equal(AuthFailure.None, Validator.Check(Rs256(new() { ["iss"] = iss })));

    [Theory]
    [InlineData("\"https://evil.test\"")]
    [InlineData("\"https://idp.test/\"")]
    [InlineData("\"HTTPS://IDP.TEST\"")]
    [InlineData("[\"https://idp.test\"]")]
    [InlineData("42")]
    [InlineData(null)]
    public void Validate_OtherIssuer_InvalidIssuer(string? iss)
        => Assert.Equal(AuthFailure.InvalidIssuer, Validator.Check(Rs256(new() { ["iss"] = iss })));

    [Theory]
    [InlineData("\"orders-api\"")]
    [InlineData("\"second-api\"")]
    [InlineData("[\"orders-api\"]")]
    [InlineData("[\"billing-api\",\"orders-api\"]")]
    [InlineData("\"orders\\u002dapi\"")]
    public void Validate_AudienceOurs_Valid(string aud)
        => Assert.Equal(AuthFailure.None, Validator.Check(Rs256(new() { ["aud"] = aud })));

    [Theory]
    [InlineData("\"billing-api\"")]
    [InlineData("\"orders-api/\"")]
    [InlineData("\"Orders-Api\"")]
    [InlineData("[]")]
    [InlineData("[\"billing-api\"]")]
    [InlineData("[1,\"orders-api\"]")]
    [InlineData("[null,\"orders-api\"]")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("{\"aud\":\"orders-api\"}")]
    [InlineData(null)]
    public void Validate_AudienceNotOurs_InvalidAudience(string? aud)
        => Assert.Equal(AuthFailure.InvalidAudience, Validator.Check(Rs256(new() { ["aud"] = aud })));

    [Theory]
    [InlineData(-30, AuthFailure.None)]
    [InlineData(-31, AuthFailure.Expired)]
    [InlineData(0, AuthFailure.None)]
    [InlineData(-3600, AuthFailure.Expired)]
    public void Validate_ExpAroundNowMinusSkew_ExpiredOnlyBeyondSkew(long offset, AuthFailure expected)
        => Assert.Equal(expected, Validator.Check(Rs256(new() { ["exp"] = JwsTokens.Seconds(offset) })));

    [Fact]
    public void Validate_ExpExactlyAtSkewWithSubSecondNow_Expired()
    {
        // exp = now - 30 s is accepted at a whole second; half a second later it is past exp + skew.
        var token = Rs256(new() { ["exp"] = JwsTokens.Seconds(-30) });

        Assert.Equal(AuthFailure.Expired, Validator.Check(token, JwsTokens.Now.UtcTicks + (TimeSpan.TicksPerSecond / 2)));
    }

    [Theory]
    [InlineData(30, AuthFailure.None)]
    [InlineData(31, AuthFailure.NotYetValid)]
    [InlineData(0, AuthFailure.None)]
    [InlineData(-600, AuthFailure.None)]
    [InlineData(3600, AuthFailure.NotYetValid)]
    public void Validate_NbfAroundNowPlusSkew_NotYetValidOnlyBeyondSkew(long offset, AuthFailure expected)
        => Assert.Equal(expected, Validator.Check(Rs256(new() { ["nbf"] = JwsTokens.Seconds(offset) })));

    [Fact]
    public void Validate_MissingExp_MissingExpiration()
        => Assert.Equal(AuthFailure.MissingExpiration, Validator.Check(Rs256(new() { ["exp"] = null })));

    [Fact]
    public void Validate_NullExp_MissingExpiration()
        => Assert.Equal(AuthFailure.MissingExpiration, Validator.Check(Rs256(new() { ["exp"] = "null" })));

    [Theory]
    [InlineData("exp", "\"1999999999\"")]
    [InlineData("exp", "true")]
    [InlineData("exp", "[1999999999]")]
    [InlineData("nbf", "\"0\"")]
    public void Validate_NonNumericTime_Malformed(string claim, string value)
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(Rs256(new() { [claim] = value })));

    [Fact]
    public void Validate_FractionalExp_Valid()
        => Assert.Equal(AuthFailure.None, Validator.Check(Rs256(new() { ["exp"] = JwsTokens.Seconds(600) + ".75" })));

    [Fact]
    public void Validate_HugeExp_Valid()
        => Assert.Equal(AuthFailure.None, Validator.Check(Rs256(new() { ["exp"] = "1e300" })));

    [Fact]
    public void Validate_BadSignatureAndExpired_InvalidSignatureFirst()
    {
        var token = JwsTokens.Token(TestKeys.OtherRsa, "RS256", extra: new() { ["exp"] = JwsTokens.Seconds(-3600) });

        Assert.Equal(AuthFailure.InvalidSignature, Validator.Check(token));
    }

    [Fact]
    public void Validate_ExpiredAndWrongAudience_ExpiredFirst()
        => Assert.Equal(AuthFailure.Expired, Validator.Check(Rs256(new() { ["exp"] = JwsTokens.Seconds(-3600), ["aud"] = "\"x\"" })));

    [Fact]
    public void Validate_WrongIssuerAndAlgNone_InvalidIssuerFirst()
    {
        var token = JwsTokens.Encode("{\"alg\":\"none\"}") + "." + JwsTokens.Encode(JwsTokens.Payload(new() { ["iss"] = "\"https://evil.test\"" })) + ".";

        Assert.Equal(AuthFailure.InvalidIssuer, Validator.Check(token));
    }

    [Fact]
    public void Validate_KidMatchesKey_Valid()
    {
        var validator = JwsValidators.Create(new RsaSecurityKey(TestKeys.Rsa) { KeyId = "k1" }, new RsaSecurityKey(TestKeys.OtherRsa) { KeyId = "k2" });

        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k1")));
        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.OtherRsa, "RS256", "k2")));
        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.OtherRsa, "RS256")));
        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k\\u0031")));
    }

    [Fact]
    public void Validate_KidNamesOtherKnownKey_InvalidSignature()
    {
        var validator = JwsValidators.Create(new RsaSecurityKey(TestKeys.Rsa) { KeyId = "k1" }, new RsaSecurityKey(TestKeys.OtherRsa) { KeyId = "k2" });

        Assert.Equal(AuthFailure.InvalidSignature, validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k2")));
    }

    [Fact]
    public void Validate_UnknownKidStaticKeys_UnknownKey()
    {
        var validator = JwsValidators.Create(new RsaSecurityKey(TestKeys.Rsa) { KeyId = "k1" });

        Assert.Equal(AuthFailure.UnknownKey, validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "k9")));
    }

    [Fact]
    public void Validate_UnknownKidWithKeyWithoutKid_TriesThatKey()
    {
        var validator = JwsValidators.Create(RsaKey);

        Assert.Equal(AuthFailure.None, validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", "anything")));
    }

    [Fact]
    public void Validate_KidLongerThanLimit_Malformed()
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(JwsTokens.Token(TestKeys.Rsa, "RS256", new string('k', 300))));

    [Fact]
    public void Validate_NoKeys_KeysUnavailable()
        => Assert.Equal(AuthFailure.KeysUnavailable, JwsValidators.Create().Check(Rs256()));

    [Fact]
    public void Validate_Accepted_PayloadIsTheClaimsSet()
    {
        var token = Rs256(new() { ["roles"] = "[\"reader\",\"auditor\"]", ["tenant"] = "\"acme\"" });

        var failure = Validator.Validate(Encoding.ASCII.GetBytes(token), JwsTokens.Now.UtcTicks, out var validated, out var pending);
        using (validated)
        {
            Assert.Equal(AuthFailure.None, failure);
            Assert.Null(pending);
            Assert.Equal(0, validated.Provider.Index);
            Assert.Equal(1, validated.KeyGeneration);
            Assert.Equal("acme", validated.Payload.GetProperty("tenant").GetString());
            Assert.Equal(2, validated.Payload.GetProperty("roles").GetArrayLength());
        }
    }

    [Fact]
    public void Validate_BadSignatures_ThrowNothing()
    {
        // A flood of bad signatures must not go through exceptions (slow). Counted on this thread
        // only: other test classes run in parallel.
        var token = Encoding.ASCII.GetBytes(JwsTokens.Token(TestKeys.OtherRsa, "RS256"));
        var now = JwsTokens.Now.UtcTicks;
        var exceptions = 0;
        var thread = Environment.CurrentManagedThreadId;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                Interlocked.Increment(ref exceptions);
            }
        }


        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(AuthFailure.InvalidSignature, Validator.Validate(token, now, out _, out _));
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, exceptions);
    }

    [Fact(Timeout = 30_000)]
    public async Task Validate_ConcurrentThreadsSharingKeys_AllCorrect()
    {
        var good = new[] { Rs256(), JwsTokens.Token(TestKeys.Rsa, "PS256"), JwsTokens.Token(TestKeys.Ec, "ES256"), JwsTokens.Token(JwsTokens.P384, "ES384") };
        var bad = new[] { JwsTokens.Token(TestKeys.OtherRsa, "RS256"), JwsTokens.Token(JwsTokens.OtherP256, "ES256") };
        var wrong = 0;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                var isGood = (i + t) % 3 != 0;
                var token = isGood ? good[(i + t) % good.Length] : bad[i % bad.Length];
                if ((Validator.Check(token) == AuthFailure.None) != isGood)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })));

        Assert.Equal(0, wrong);
    }

    private static AsymmetricAlgorithm KeyFor(string alg) => alg.StartsWith("ES", StringComparison.Ordinal) ? EcKeyFor(alg) : TestKeys.Rsa;

    private static ECDsa EcKeyFor(string alg) => alg switch
    {
        "ES256" => TestKeys.Ec,
        "ES384" => JwsTokens.P384,
        _ => JwsTokens.P521,
    };
}
