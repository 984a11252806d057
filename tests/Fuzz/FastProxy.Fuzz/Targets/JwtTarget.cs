using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FastProxy.Policy.Config;
using FastProxy.Policy.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;
using static FastProxy.Fuzz.PropertyViolationException;

namespace FastProxy.Fuzz.Targets;

/// <summary>
/// The JWS/JWT validator (src/Policy JwsValidator) with one RSA key. Each input is used three ways. (1) As a raw
/// token: the validator never throws, and a token it accepts has a signature this harness verifies on its own.
/// (2) As edits to the signature bytes of a valid token: a token whose signature bytes changed is never accepted.
/// (3) As edits to the header or payload of a valid token, not re-signed: never accepted unless the bytes are unchanged.
/// </summary>
public sealed class JwtTarget : IFuzzTarget
{
    private const string Issuer = "https://idp.fuzz";
    private const string Audience = "fuzz-api";

    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RSA Key = RSA.Create(2048);
    private static readonly JwsValidator Validator = new(
        [new IdentityProvider(0, new IdentityProviderConfig { Name = "fuzz", Issuer = Issuer, Audiences = [Audience], Algorithms = ["RS256", "PS256"] }, new StaticKeySource([new RsaSecurityKey(Key)]))],
        NullLogger.Instance);

    private static readonly byte[] Header = Encoding.UTF8.GetBytes("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes(
        $"{{\"iss\":\"{Issuer}\",\"aud\":\"{Audience}\",\"sub\":\"alice\",\"iat\":{Now.ToUnixTimeSeconds()},\"exp\":{Now.ToUnixTimeSeconds() + 3600}}}");

    private static readonly byte[] Signature = Sign(Header, Payload);

    public string Name => "jwt";

    /// <summary>The valid token every mutation starts from (also a corpus seed).</summary>
    public static string ValidToken => Token(Header, Payload, Signature);

    public void Run(ReadOnlySpan<byte> input)
    {
        CheckRawToken(input);
        if (input.IsEmpty)
        {
            return;
        }

        var signature = Mutate(Signature, input[1..], resize: (input[0] & 1) != 0);
        if (!signature.AsSpan().SequenceEqual(Signature))
        {
            Check(Validate(Token(Header, Payload, signature)) != AuthFailure.None, "a token whose signature bytes changed is refused");
        }

        var editHeader = (input[0] & 2) != 0;
        var header = editHeader ? Mutate(Header, input[1..], resize: (input[0] & 4) != 0) : Header;
        var payload = editHeader ? Payload : Mutate(Payload, input[1..], resize: (input[0] & 4) != 0);
        if (!header.AsSpan().SequenceEqual(Header) || !payload.AsSpan().SequenceEqual(Payload))
        {
            Check(Validate(Token(header, payload, Signature)) != AuthFailure.None, "a token whose header or payload changed after signing is refused");
        }
    }

    /// <summary>Checks the fixed valid token is accepted, so a refusal above means the mutation, not a broken setup.</summary>
    public static void SelfTest() => Check(Validate(ValidToken) == AuthFailure.None, "the harness's valid token validates");

    private static void CheckRawToken(ReadOnlySpan<byte> token)
    {
        var failure = Validator.Validate(token, Now.UtcTicks, out var validated, out var pending);
        using (validated)
        {
            Check(pending is null, "static keys never start a refresh");
            if (failure == AuthFailure.None)
            {
                Check(VerifiesIndependently(token), "an accepted token carries a signature that verifies with the key");
            }
        }
    }

    private static AuthFailure Validate(string token)
    {
        var failure = Validator.Validate(Encoding.ASCII.GetBytes(token), Now.UtcTicks, out var validated, out var pending);
        validated.Dispose();
        Check(pending is null, "static keys never start a refresh");
        return failure;
    }

    /// <summary>XORs (position, mask) pairs from <paramref name="edits"/> into a copy; optionally resizes it first.</summary>
    private static byte[] Mutate(byte[] original, ReadOnlySpan<byte> edits, bool resize)
    {
        var length = original.Length;
        if (resize && edits.Length > 0)
        {
            length = Math.Max(0, original.Length + ((sbyte)edits[0] % 8));
            edits = edits[1..];
        }

        var copy = new byte[length];
        original.AsSpan(0, Math.Min(length, original.Length)).CopyTo(copy);
        for (var i = 0; i + 1 < edits.Length && length > 0; i += 2)
        {
            copy[edits[i] * 7 % length] ^= edits[i + 1];
        }

        return copy;
    }

    private static bool VerifiesIndependently(ReadOnlySpan<byte> token)
    {
        var text = Encoding.ASCII.GetString(token);
        var parts = text.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var signingInput = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var signature = Base64Url.DecodeFromChars(parts[2]);
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        var alg = header.RootElement.GetProperty("alg").GetString();
        return alg switch
        {
            "RS256" => Key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "PS256" => Key.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
            _ => false,
        };
    }

    private static byte[] Sign(byte[] header, byte[] payload)
        => Key.SignData(Encoding.ASCII.GetBytes(Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload)), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    private static string Token(byte[] header, byte[] payload, byte[] signature)
        => Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(signature);
}
