using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.Identity;

/// <summary>
/// Issue 10 item 4: hostile header and payload text is a 401 with a reason, never an exception out
/// of the validator or the principal built from its payload (lone surrogates, invalid UTF-8, deep
/// nesting, numbers out of range). Signed with the trusted key where the input must get past the
/// signature to reach the code that used to throw.
/// </summary>
public sealed class JwsValidatorHostileInputTests : IAsyncLifetime
{
    /// <summary>The header from the issue, as JSON text: `\udc00` is an escaped lone low surrogate.</summary>
    private const string LoneSurrogateHeader = "{\"alg\":\"RS256\",\"kid\":\"\\udc00\"}";

    private const string Url = "https://api.test/api/orders/7";

    private static readonly JwsValidator Validator = JwsValidators.Create(new RsaSecurityKey(TestKeys.Rsa));

    private CompiledPolicy _policy = null!;

    public async Task InitializeAsync() => _policy = await GateHarness.CompileAsync(PolicyDocuments.Peers());

    public async Task DisposeAsync() => await _policy.DisposeAsync();

    /// <summary>The payload members of the peers scenario (valid now) with <paramref name="extra"/> spliced in.</summary>
    private static string Payload(Dictionary<string, string?>? extra = null) => TestKeys.Payload(extra: extra);

    private static string Signed(string header, string payload) => JwsTokens.Sign(header, payload, TestKeys.Rsa, "RS256");

    private static string SignedBytes(string header, byte[] payload)
        => JwsTokens.SignEncoded(JwsTokens.Encode(header) + "." + JwsTokens.Encode(payload), TestKeys.Rsa, "RS256");

    private GateDecision Bearer(string token)
        => GateHarness.Evaluate(new PolicyGate(_policy), _policy, "GET", Url, new DictionaryRequestHeaders().Add("Authorization", "Bearer " + token));

    private static void AssertMalformed(GateDecision decision)
    {
        Assert.Equal(401, decision.Status);
        Assert.Contains("error=\"invalid_token\"", GateHarness.Headers(decision), StringComparison.Ordinal);
        Assert.Equal("{\"error\":\"unauthorized\",\"reason\":\"token_malformed\"}", GateHarness.Body(decision));
    }

    [Fact]
    public void Validate_HeaderWithEscapedLoneSurrogateKid_Malformed()
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(Signed(LoneSurrogateHeader, JwsTokens.Payload())));

    [Fact]
    public void Evaluate_HeaderWithEscapedLoneSurrogateKid_InvalidToken401()
        => AssertMalformed(Bearer(Signed(LoneSurrogateHeader, Payload())));

    [Fact]
    public void Evaluate_PayloadIsTheLoneSurrogateHeaderJson_InvalidToken401()
        => AssertMalformed(Bearer(Signed(JwsTokens.Header("RS256"), LoneSurrogateHeader)));

    [Theory]
    [InlineData("kid", "\"\\udc00\"")]
    [InlineData("sub", "\"\\udc00\"")]
    [InlineData("sub", "\"\\ud800\"")]
    [InlineData("sub", "\"\\ud800\\u0041\"")]
    [InlineData("sub", "\"a\\udfff\\ud800b\"")]
    [InlineData("iss", "\"\\udc00\"")]
    [InlineData("aud", "[\"\\udc00\",\"orders-api\"]")]
    [InlineData("roles", "[\"reader\",\"\\ud83d\"]")]
    [InlineData("scope", "\"read \\udc00\"")]
    [InlineData("\\udc00", "1")]
    [InlineData("ext", "{\"\\ud800\":\"x\"}")]
    public void Evaluate_SignedPayloadWithEscapedLoneSurrogate_InvalidToken401(string name, string value)
        => AssertMalformed(Bearer(Signed(JwsTokens.Header("RS256"), Payload(new() { [name] = value }))));

    [Fact]
    public void Evaluate_SignedPayloadWithEscapedSurrogatePair_Allows()
        => Assert.Equal(GateVerdict.Allow, Bearer(Signed(JwsTokens.Header("RS256"), Payload(new() { ["sub"] = "\"\\ud83d\\ude00\"" }))).Verdict);

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    public void Evaluate_SignedPayloadWithInvalidUtf8InAString_InvalidToken401(byte[] invalid)
    {
        var payload = Encoding.UTF8.GetBytes(Payload(new() { ["sub"] = "\"@\"" }));
        var at = Array.IndexOf(payload, (byte)'@');
        var hostile = payload[..at].Concat(invalid).Concat(payload[(at + 1)..]).ToArray();

        AssertMalformed(Bearer(SignedBytes(JwsTokens.Header("RS256"), hostile)));
    }

    [Fact]
    public void Evaluate_HeaderWithInvalidUtf8InKid_InvalidToken401()
    {
        var header = Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"kid\":\"@\"}");
        header[Array.IndexOf(header, (byte)'@')] = 0xFF;
        var token = JwsTokens.SignEncoded(JwsTokens.Encode(header) + "." + JwsTokens.Encode(Payload()), TestKeys.Rsa, "RS256");

        AssertMalformed(Bearer(token));
    }

    [Theory]
    [InlineData("exp", "1e999")]
    [InlineData("exp", "-1e999")]
    [InlineData("exp", "123456789012345678901234567890123456789")]
    [InlineData("nbf", "1e400")]
    [InlineData("roles", "[1e999,-0,123456789012345678901234567890]")]
    [InlineData("ext", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"deep\"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    public void Evaluate_SignedPayloadWithExtremeValues_AnswersWithoutThrowing(string name, string value)
    {
        var decision = Bearer(Signed(JwsTokens.Header("RS256"), Payload(new() { [name] = value })));

        Assert.True(decision.Verdict == GateVerdict.Allow || decision.Status is 401 or 403, $"status {decision.Status}");
    }

    [Theory]
    [InlineData("{\"alg\":\"RS256\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}")]
    [InlineData("{\"alg\":\"RS256\",\"\\udc00\":1}")]
    [InlineData("{\"\\ud800\\ud800\":\"RS256\"}")]
    [InlineData("{\"alg\":\"\\udc00S256\"}")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":\"\\u\"}")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":\"\\ud800\\u00\"}")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":\"\\")]
    public void Validate_HostileHeader_MalformedWithoutThrowing(string header)
        => Assert.Equal(AuthFailure.Malformed, Validator.Check(Signed(header, JwsTokens.Payload())));

    [Fact]
    public void Validate_HugeHeaderAndPayloadOfValidEscapes_Valid()
    {
        // Size is capped before the validator (identity.max_token_bytes); the validator itself copes with any.
        var header = "{\"alg\":\"RS256\",\"x\":\"" + new string('\\', 2 * 100_000) + "\"}";
        var payload = JwsTokens.Payload(new() { ["ext"] = "\"" + string.Concat(Enumerable.Repeat("\\ud83d\\ude00", 50_000)) + "\"" });

        Assert.Equal(AuthFailure.None, Validator.Check(Signed(header, payload)));
    }
}
