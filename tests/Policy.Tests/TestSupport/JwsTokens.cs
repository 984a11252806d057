using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>
/// Hand-built compact JWS tokens (RFC 7515 §7.1) with full control over the header and payload
/// text, so tests can write what a well-behaved library never would (duplicates, crit, escapes).
/// </summary>
internal static class JwsTokens
{
    /// <summary>A fixed "now" for validator tests: 2026-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly ECDsa P384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

    public static readonly ECDsa P521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);

    public static readonly ECDsa OtherP256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static long NowSeconds => Now.ToUnixTimeSeconds();

    public static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    public static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);

    public static string Header(string alg, string? kid = null)
        => kid is null ? "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}" : "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";

    /// <summary>iss, aud, sub, exp (now + 600) and roles; <paramref name="extra"/> members replace or (null) remove them.</summary>
    public static string Payload(Dictionary<string, string?>? extra = null)
    {
        var members = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["iss"] = "\"" + TestKeys.Issuer + "\"",
            ["aud"] = "\"" + TestKeys.Audience + "\"",
            ["sub"] = "\"alice\"",
            ["exp"] = Seconds(600),
            ["roles"] = "[\"reader\"]",
        };
        foreach (var (key, value) in extra ?? [])
        {
            members[key] = value;
        }

        var parts = new List<string>();
        foreach (var (key, value) in members)
        {
            if (value is not null)
            {
                parts.Add("\"" + key + "\":" + value);
            }
        }

        return "{" + string.Join(",", parts) + "}";
    }

    /// <summary>NumericDate <paramref name="offset"/> seconds from <see cref="Now"/>, as JSON.</summary>
    public static string Seconds(long offset) => (NowSeconds + offset).ToString(CultureInfo.InvariantCulture);

    public static string Sign(string headerJson, string payloadJson, AsymmetricAlgorithm key, string alg)
        => SignEncoded(Encode(headerJson) + "." + Encode(payloadJson), key, alg);

    /// <summary>Signs already-encoded `header.payload` text.</summary>
    public static string SignEncoded(string signingInput, AsymmetricAlgorithm key, string alg)
        => signingInput + "." + Encode(SignBytes(Encoding.ASCII.GetBytes(signingInput), key, alg));

    public static string Token(AsymmetricAlgorithm key, string alg, string? kid = null, Dictionary<string, string?>? extra = null)
        => Sign(Header(alg, kid), Payload(extra), key, alg);

    public static byte[] SignBytes(byte[] data, AsymmetricAlgorithm key, string alg)
    {
        var hash = alg[2..] switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        return alg[..2] switch
        {
            "RS" => ((RSA)key).SignData(data, hash, RSASignaturePadding.Pkcs1),
            "PS" => ((RSA)key).SignData(data, hash, RSASignaturePadding.Pss),
            _ => ((ECDsa)key).SignData(data, hash),
        };
    }

    /// <summary>Replaces the signature segment by <paramref name="change"/> applied to its decoded bytes.</summary>
    public static string WithSignature(string token, Func<byte[], byte[]> change)
    {
        var dot = token.LastIndexOf('.');
        return token[..(dot + 1)] + Encode(change(Base64Url.DecodeFromChars(token.AsSpan(dot + 1))));
    }

    /// <summary>Replaces character <paramref name="index"/> of segment <paramref name="segment"/> by another base64url character.</summary>
    public static string FlipChar(string token, int segment, int index)
    {
        var parts = token.Split('.');
        var chars = parts[segment].ToCharArray();
        chars[index] = chars[index] == 'A' ? 'B' : 'A';
        parts[segment] = new string(chars);
        return string.Join('.', parts);
    }
}
