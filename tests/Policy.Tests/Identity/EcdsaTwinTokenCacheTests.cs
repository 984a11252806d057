using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Policy.Crypto;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests.Identity;

/// <summary>
/// Issue 10 item 4: an ECDSA signature (r, s) has a twin (r, n - s) that anyone can derive and
/// that verifies just as well. Both stay accepted (signers emit high S half the time), but they
/// are one token: one cache entry, the second form a cache hit, never a second validation.
/// </summary>
public sealed class EcdsaTwinTokenCacheTests
{
    private const string Url = "https://api.test/api/orders/7";

    private static readonly (string Alg, ECDsa Key, ECCurve Curve)[] Curves =
    [
        ("ES256", TestKeys.Ec, ECCurve.NamedCurves.nistP256),
        ("ES384", JwsTokens.P384, ECCurve.NamedCurves.nistP384),
        ("ES512", JwsTokens.P521, ECCurve.NamedCurves.nistP521),
    ];

    /// <summary>The same token with S replaced by n - S, computed independently with BigInteger.</summary>
    private static string Twin(string token, ECCurve curve)
    {
        using var key = ECDsa.Create(curve);
        var order = new BigInteger(key.ExportExplicitParameters(false).Curve.Order, isUnsigned: true, isBigEndian: true);
        return JwsTokens.WithSignature(token, signature =>
        {
            var half = signature.Length / 2;
            var s = new BigInteger(signature.AsSpan(half), isUnsigned: true, isBigEndian: true);
            var twin = (order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
            var result = (byte[])signature.Clone();
            Array.Clear(result, half, half);
            twin.CopyTo(result, signature.Length - twin.Length);
            return result;
        });
    }

    private static Principal Entry(string token)
    {
        var bytes = Encoding.ASCII.GetBytes(token);
        return new Principal(0, "iss", "sub", [], [], long.MaxValue, 1) { TokenBytes = bytes, TokenHash = TokenHash.Compute(bytes) };
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Validate_BothFormsOfAnEcdsaSignature_Valid(int curve)
    {
        var (alg, key, ecCurve) = Curves[curve];
        var token = JwsTokens.Token(key, alg);
        var twin = Twin(token, ecCurve);
        var validator = JwsValidators.Create(new Microsoft.IdentityModel.Tokens.ECDsaSecurityKey(key));

        Assert.NotEqual(token, twin);
        Assert.Equal(AuthFailure.None, validator.Check(token));
        Assert.Equal(AuthFailure.None, validator.Check(twin));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void TryGet_TwinOfACachedEcdsaToken_HitsTheSameEntry(int curve)
    {
        var (alg, key, ecCurve) = Curves[curve];
        var token = JwsTokens.Token(key, alg);
        var twin = Encoding.ASCII.GetBytes(Twin(token, ecCurve));
        var cache = new TokenCache(1024);
        var entry = Entry(token);
        cache.Add(entry, 0);

        Assert.Equal(entry.TokenHash, TokenHash.Compute(twin));
        Assert.True(cache.TryGet(twin, TokenHash.Compute(twin), 0, out var found));
        Assert.Same(entry, found);
    }

    [Fact]
    public void TryGet_CachedHighOrLowForm_EitherFormHits()
    {
        var token = JwsTokens.Token(TestKeys.Ec, "ES256");
        var twin = Twin(token, ECCurve.NamedCurves.nistP256);
        var cache = new TokenCache(16);
        var entry = Entry(twin);
        cache.Add(entry, 0);

        var bytes = Encoding.ASCII.GetBytes(token);
        Assert.True(cache.TryGet(bytes, TokenHash.Compute(bytes), 0, out var found));
        Assert.Same(entry, found);
    }

    [Fact]
    public void TryGet_SameRWithAnotherS_Miss()
    {
        var token = JwsTokens.Token(TestKeys.Ec, "ES256");
        var cache = new TokenCache(16);
        cache.Add(Entry(token), 0);
        var forged = Encoding.ASCII.GetBytes(JwsTokens.WithSignature(Twin(token, ECCurve.NamedCurves.nistP256), signature =>
        {
            signature[^1] ^= 0x01;
            return signature;
        }));

        Assert.Equal(TokenHash.Compute(Encoding.ASCII.GetBytes(token)), TokenHash.Compute(forged));
        Assert.False(cache.TryGet(forged, TokenHash.Compute(forged), 0, out _));
    }

    [Fact]
    public void TryGet_TwinSignatureOnAnotherPayload_Miss()
    {
        var token = JwsTokens.Token(TestKeys.Ec, "ES256");
        var cache = new TokenCache(16);
        cache.Add(Entry(token), 0);
        var parts = Twin(token, ECCurve.NamedCurves.nistP256).Split('.');
        var other = JwsTokens.FlipChar(string.Join('.', parts), 1, 3);
        var bytes = Encoding.ASCII.GetBytes(other);

        Assert.False(cache.TryGet(bytes, TokenHash.Compute(bytes), 0, out _));
    }

    [Fact]
    public void TryGet_TwinOfCachedToken_AllocatesNothing()
    {
        var token = JwsTokens.Token(TestKeys.Ec, "ES256");
        var twin = Encoding.ASCII.GetBytes(Twin(token, ECCurve.NamedCurves.nistP256));
        var cache = new TokenCache(16);
        cache.Add(Entry(token), 0);
        cache.TryGet(twin, TokenHash.Compute(twin), 0, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var hit = cache.TryGet(twin, TokenHash.Compute(twin), 0, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(hit);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryWriteOtherForm_Twice_GivesTheOriginalBack()
    {
        var segment = Encoding.ASCII.GetBytes(JwsTokens.Token(JwsTokens.P521, "ES512").Split('.')[2]);
        var twin = new byte[EcdsaSignatureForms.MaxSegmentBytes];
        var back = new byte[EcdsaSignatureForms.MaxSegmentBytes];

        Assert.True(EcdsaSignatureForms.TryWriteOtherForm(segment, twin, out var written));
        Assert.True(EcdsaSignatureForms.TryWriteOtherForm(twin.AsSpan(0, written), back, out var writtenBack));
        Assert.False(twin.AsSpan(0, written).SequenceEqual(segment));
        Assert.True(back.AsSpan(0, writtenBack).SequenceEqual(segment));
    }

    [Fact]
    public void TokenHash_RsaToken_StillKeyedByItsSignatureTail()
    {
        var token = JwsTokens.Token(TestKeys.Rsa, "RS256");
        var flipped = JwsTokens.FlipChar(token, 2, 300);

        Assert.Equal(0, EcdsaSignatureForms.SignatureSegmentLength(Encoding.ASCII.GetBytes(token)));
        Assert.NotEqual(TokenHash.Compute(Encoding.ASCII.GetBytes(token)), TokenHash.Compute(Encoding.ASCII.GetBytes(flipped)));
    }

    [Fact]
    public async Task Evaluate_BothFormsOfOneEs256Token_OneValidationThenHits()
    {
        var provider = PolicyDocuments.Provider(TestKeys.Ec.ExportSubjectPublicKeyInfoPem());
        await using var policy = await GateHarness.CompileAsync(PolicyDocuments.Peers(provider: provider));
        var gate = new PolicyGate(policy);
        var token = JwsTokens.Sign(JwsTokens.Header("ES256"), TestKeys.Payload(), TestKeys.Ec, "ES256");
        var twin = Twin(token, ECCurve.NamedCurves.nistP256);
        GateDecision Send(string t) => GateHarness.Evaluate(gate, policy, "GET", Url, new DictionaryRequestHeaders().Add("Authorization", "Bearer " + t));

        Assert.Equal(GateVerdict.Allow, Send(token).Verdict);
        Assert.Equal(GateVerdict.Allow, Send(twin).Verdict);
        Assert.Equal(GateVerdict.Allow, Send(token).Verdict);
        Assert.Equal(GateVerdict.Allow, Send(twin).Verdict);

        Assert.Equal(1, Volatile.Read(ref policy.Counters.CacheMisses));
        Assert.Equal(3, Volatile.Read(ref policy.Counters.CacheHits));
    }
}
