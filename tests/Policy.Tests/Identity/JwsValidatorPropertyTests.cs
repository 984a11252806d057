using System.Text;
using CsCheck;
using FastProxy.Core.Gate;
using FastProxy.Policy.Identity;
using FastProxy.Policy.Testing;
using FastProxy.Policy.Tests.TestSupport;

namespace FastProxy.Policy.Tests.Identity;

/// <summary>
/// Property: whatever bytes a bearer token's header and payload decode to, the gate answers
/// (allow, 401 or 403) and nothing throws. Tokens are valid ones with their JSON mutated (hostile
/// escapes, invalid UTF-8, broken structure, extreme numbers, deep nesting), most of them re-signed
/// with the trusted key so the mutation reaches everything that reads a verified payload.
/// </summary>
public sealed class JwsValidatorPropertyTests : IAsyncLifetime
{
    private const string Url = "https://api.test/api/orders/7";

    /// <summary>JSON text fragments: escaped lone and paired surrogates, broken escapes, structure, numbers.</summary>
    private static readonly string[] TextFragments =
    [
        "\\udc00", "\\ud800", "\\udbff", "\\udfff", "\\ud800\\u0041", "\\ud800\\ud800", "\\udc00\\ud800", "\\ud83d\\ude00",
        "\\u0000", "\\u00", "\\uZZZZ", "\\", "\\\\", "\\\"", "\\/", "\"", "{", "}", "[", "]", ":", ",",
        "1e999", "-1e999", "123456789012345678901234567890", "-0", "0.0000001e-400", "null", "true",
        "\"kid\":\"\\udc00\",", "\"sub\":\"\\ud800\",", "\"\\udc00\":1,", "\"roles\":[\"\\udfff\"],",
        new string('[', 40) + new string(']', 40), "é", "😀",
    ];

    /// <summary>Raw bytes that are not UTF-8 (or not minimal UTF-8), which JSON text must not contain.</summary>
    private static readonly byte[][] RawFragments =
    [
        [0xFF], [0xFE], [0x80], [0xC0, 0xAF], [0xC3], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x00],
    ];

    private static readonly string[] Headers =
    [
        "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
        "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}",
    ];

    /// <summary>(kind, position, fragment, bytes): insert text, insert non-UTF-8, insert random bytes, delete, overwrite.</summary>
    private static readonly Gen<(int Kind, int Position, int Fragment, byte[] Bytes)> Mutation
        = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 4096], Gen.Int[0, 1000], Gen.Byte.Array[1, 4]);

    private static readonly Gen<(int Target, (int, int, int, byte[])[] Mutations, bool Resign, int Header)> Cases
        = Gen.Select(Gen.Int[0, 3], Mutation.Array[1, 4], Gen.Int[0, 9].Select(i => i != 0), Gen.Int[0, Headers.Length - 1]);

    private CompiledPolicy _policy = null!;

    public async Task InitializeAsync() => _policy = await GateHarness.CompileAsync(PolicyDocuments.Peers());

    public async Task DisposeAsync() => await _policy.DisposeAsync();

    [Fact]
    public void Evaluate_MutatedTokens_NeverThrows()
    {
        var gate = new PolicyGate(_policy);
        Cases.Sample(
            c =>
            {
                var token = Build(c.Target, c.Mutations, c.Resign, Headers[c.Header]);
                var decision = GateHarness.Evaluate(gate, _policy, "GET", Url, new DictionaryRequestHeaders().Add("Authorization", "Bearer " + token));
                if (decision.Verdict != GateVerdict.Allow && decision.Status is not (401 or 403))
                {
                    throw new InvalidOperationException($"status {decision.Status} for {token}");
                }
            },
            iter: 1500,
            threads: 1);
    }

    [Fact]
    public void Validate_MutatedTokens_NeverThrows()
    {
        var validator = JwsValidators.Create(new Microsoft.IdentityModel.Tokens.RsaSecurityKey(TestKeys.Rsa) { KeyId = "k1" });
        var now = TimeProvider.System.GetUtcNow().UtcTicks;
        Cases.Sample(
            c =>
            {
                var token = Encoding.UTF8.GetBytes(Build(c.Target, c.Mutations, c.Resign, Headers[c.Header]));
                var failure = validator.Validate(token, now, out var validated, out _);
                using (validated)
                {
                    if (failure == AuthFailure.None)
                    {
                        var table = new ClaimTable();
                        table.Intern("sub");
                        table.Intern("roles");
                        table.Intern("kid");
                        table.Intern("ext.a");
                        PrincipalBuilder.Build(validated.Payload, table, 0, 1, 1, null, 0);
                    }
                }
            },
            iter: 1000,
            threads: 1);
    }

    /// <summary>Target 0 mutates the header, 1 the payload, 2 both, 3 the encoded token text; 9 in 10 are re-signed.</summary>
    private static string Build(int target, (int Kind, int Position, int Fragment, byte[] Bytes)[] mutations, bool resign, string header)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var payloadBytes = Encoding.UTF8.GetBytes(TestKeys.Payload(extra: new() { ["ext"] = "{\"a\":\"x\"}" }));
        var original = JwsTokens.SignEncoded(JwsTokens.Encode(headerBytes) + "." + JwsTokens.Encode(payloadBytes), TestKeys.Rsa, "RS256");
        if (target == 3)
        {
            var chars = Encoding.ASCII.GetBytes(original).ToList();
            foreach (var mutation in mutations)
            {
                Apply(chars, mutation);
            }

            return Encoding.Latin1.GetString([.. chars]);
        }

        var h = headerBytes.ToList();
        var p = payloadBytes.ToList();
        foreach (var mutation in mutations)
        {
            Apply(target == 0 || (target == 2 && mutation.Position % 2 == 0) ? h : p, mutation);
        }

        var signingInput = JwsTokens.Encode([.. h]) + "." + JwsTokens.Encode([.. p]);
        return resign ? JwsTokens.SignEncoded(signingInput, TestKeys.Rsa, "RS256") : signingInput + original[original.LastIndexOf('.')..];
    }

    private static void Apply(List<byte> bytes, (int Kind, int Position, int Fragment, byte[] Bytes) mutation)
    {
        var at = mutation.Position % (bytes.Count + 1);
        switch (mutation.Kind)
        {
            case 0:
                bytes.InsertRange(at, Encoding.UTF8.GetBytes(TextFragments[mutation.Fragment % TextFragments.Length]));
                break;
            case 1:
                bytes.InsertRange(at, RawFragments[mutation.Fragment % RawFragments.Length]);
                break;
            case 2:
                bytes.InsertRange(at, mutation.Bytes);
                break;
            case 3:
                bytes.RemoveRange(at, Math.Min(mutation.Bytes.Length, bytes.Count - at));
                break;
            default:
                if (at < bytes.Count)
                {
                    bytes[at] = mutation.Bytes[0];
                }

                break;
        }
    }
}
