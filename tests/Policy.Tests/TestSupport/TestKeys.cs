using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>Keys generated in-process and a token factory built on JsonWebTokenHandler.CreateToken.</summary>
internal static class TestKeys
{
    public const string Issuer = "https://idp.test";
    public const string Audience = "orders-api";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static readonly RSA Rsa = RSA.Create(2048);

    public static readonly RSA OtherRsa = RSA.Create(2048);

    public static readonly ECDsa Ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static string RsaPublicPem { get; } = Rsa.ExportSubjectPublicKeyInfoPem();

    public static string OtherRsaPublicPem { get; } = OtherRsa.ExportSubjectPublicKeyInfoPem();

    public static SigningCredentials RsaCredentials(string? kid = null) => new(new RsaSecurityKey(Rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256);

    public static SigningCredentials OtherRsaCredentials(string? kid = null) => new(new RsaSecurityKey(OtherRsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256);

    public static SigningCredentials EcCredentials(string? kid = null) => new(new ECDsaSecurityKey(Ec) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256);

    public static long Now(TimeProvider? time = null) => (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A payload for the peers scenario; override any member with <paramref name="extra"/> (null removes it).</summary>
    public static string Payload(TimeProvider? time = null, string roles = "[\"reader\"]", Dictionary<string, string?>? extra = null)
    {
        var now = Now(time);
        var members = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["iss"] = "\"" + Issuer + "\"",
            ["aud"] = "\"" + Audience + "\"",
            ["sub"] = "\"alice\"",
            ["iat"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["exp"] = (now + 600).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["roles"] = roles,
        };
        foreach (var (key, value) in extra ?? [])
        {
            members[key] = value;
        }

        var builder = new StringBuilder("{");
        foreach (var (key, value) in members)
        {
            if (value is null)
            {
                continue;
            }

            if (builder.Length > 1)
            {
                builder.Append(',');
            }

            builder.Append('"').Append(key).Append("\":").Append(value);
        }

        return builder.Append('}').ToString();
    }

    public static string Sign(string payload, SigningCredentials credentials, Dictionary<string, object>? headers = null)
        => headers is null ? Handler.CreateToken(payload, credentials) : Handler.CreateToken(payload, credentials, headers);

    public static string Token(TimeProvider? time = null, string roles = "[\"reader\"]", Dictionary<string, string?>? extra = null, SigningCredentials? credentials = null)
        => Sign(Payload(time, roles, extra), credentials ?? RsaCredentials());

    /// <summary>An unsigned token (alg none, RFC 7519 §6.1), hand-built.</summary>
    public static string Unsigned(string payload)
        => Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64UrlEncoder.Encode(payload) + ".";

    public static string Jwk(RSA rsa, string kid)
    {
        var p = rsa.ExportParameters(false);
        return "{\"kty\":\"RSA\",\"use\":\"sig\",\"kid\":\"" + kid + "\",\"n\":\"" + Base64UrlEncoder.Encode(p.Modulus) + "\",\"e\":\"" + Base64UrlEncoder.Encode(p.Exponent) + "\"}";
    }

    public static string Jwks(params string[] jwks) => "{\"keys\":[" + string.Join(",", jwks) + "]}";
}
