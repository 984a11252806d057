using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Identity;

/// <summary>
/// Builds verification keys from static configuration (PEM SPKI public key, PEM certificate, JWK,
/// JWKS; inline or as a file) and from fetched JWKS documents. Only public keys are accepted:
/// RSA of at least 2048 bits, EC on P-256/P-384/P-521. Private key material is refused.
/// </summary>
internal static class KeyLoader
{
    /// <summary>NIST SP 800-131A: RSA below 2048 bits is not acceptable for signatures.</summary>
    private const int MinRsaBits = 2048;

    /// <summary>More keys than this in one JWKS is a misconfiguration (or an attack on the fetcher).</summary>
    private const int MaxKeysPerSet = 64;

    public static List<SecurityKey> LoadStatic(string entry, string baseDirectory)
    {
        var text = entry.Trim();
        if (text.StartsWith('{') || text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return Parse(text);
        }

        var path = Path.IsPathRooted(text) ? text : Path.Combine(baseDirectory, text);
        string content;
        try
        {
            content = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyLoadException($"cannot read key file '{path}': {ex.Message}", ex);
        }

        return Parse(content.Trim());
    }

    public static List<SecurityKey> Parse(string text)
    {
        if (text.StartsWith('{'))
        {
            return ParseJson(Encoding.UTF8.GetBytes(text), allowSingleKey: true);
        }

        return [ParsePem(text)];
    }

    /// <summary>Parses a JWKS document ({"keys": [...]}) or, with <paramref name="allowSingleKey"/>, one JWK.</summary>
    public static List<SecurityKey> ParseJson(ReadOnlyMemory<byte> json, bool allowSingleKey)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new KeyLoadException("key document is not valid JSON: " + ex.Message, ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new KeyLoadException("key document must be a JSON object");
            }

            var keys = new List<SecurityKey>();
            if (root.TryGetProperty("keys", out var array))
            {
                if (array.ValueKind != JsonValueKind.Array)
                {
                    throw new KeyLoadException("JWKS 'keys' must be an array");
                }

                foreach (var jwk in array.EnumerateArray())
                {
                    if (keys.Count == MaxKeysPerSet)
                    {
                        throw new KeyLoadException($"JWKS has more than {MaxKeysPerSet} keys");
                    }

                    // RFC 7517 §5: keys of unknown type or for encryption are skipped, not fatal.
                    var key = TryFromJwk(jwk, strict: false);
                    if (key is not null)
                    {
                        keys.Add(key);
                    }
                }

                return keys;
            }

            if (!allowSingleKey)
            {
                throw new KeyLoadException("JWKS document has no 'keys' array");
            }

            keys.Add(TryFromJwk(root, strict: true)!);
            return keys;
        }
    }

    private static SecurityKey? TryFromJwk(JsonElement jwk, bool strict)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            return strict ? throw new KeyLoadException("a JWK must be a JSON object") : null;
        }

        var kty = GetString(jwk, "kty");
        var kid = GetString(jwk, "kid");
        var use = GetString(jwk, "use");

        // RFC 7517 §4.2: only signature keys verify tokens.
        if (use is not null && !string.Equals(use, "sig", StringComparison.Ordinal))
        {
            return strict ? throw new KeyLoadException($"JWK '{kid}' has use '{use}', not 'sig'") : null;
        }

        // RFC 7518 §6.3.2.1 / §6.2.2.1: 'd' is private key material; a public key set must not carry it.
        if (jwk.TryGetProperty("d", out _))
        {
            throw new KeyLoadException($"JWK '{kid}' contains private key material; publish only the public key");
        }

        try
        {
            switch (kty)
            {
                case "RSA":
                    {
                        var n = Base64UrlEncoder.DecodeBytes(GetString(jwk, "n") ?? throw new KeyLoadException($"RSA JWK '{kid}' has no 'n'"));
                        var e = Base64UrlEncoder.DecodeBytes(GetString(jwk, "e") ?? throw new KeyLoadException($"RSA JWK '{kid}' has no 'e'"));
                        var rsa = RSA.Create();
                        rsa.ImportParameters(new RSAParameters { Modulus = n, Exponent = e });
                        return CheckRsa(rsa, kid);
                    }

                case "EC":
                    {
                        var curve = GetString(jwk, "crv") switch
                        {
                            "P-256" => ECCurve.NamedCurves.nistP256,
                            "P-384" => ECCurve.NamedCurves.nistP384,
                            "P-521" => ECCurve.NamedCurves.nistP521,
                            var other => throw new KeyLoadException($"EC JWK '{kid}' has unsupported curve '{other}'"),
                        };
                        var x = Base64UrlEncoder.DecodeBytes(GetString(jwk, "x") ?? throw new KeyLoadException($"EC JWK '{kid}' has no 'x'"));
                        var y = Base64UrlEncoder.DecodeBytes(GetString(jwk, "y") ?? throw new KeyLoadException($"EC JWK '{kid}' has no 'y'"));
                        var ec = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } });
                        return new ECDsaSecurityKey(ec) { KeyId = kid };
                    }

                default:
                    return strict ? throw new KeyLoadException($"JWK '{kid}' has unsupported kty '{kty}' (RSA and EC only)") : null;
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            throw new KeyLoadException($"JWK '{kid}' is not a valid public key: {ex.Message}", ex);
        }
    }

    private static SecurityKey ParsePem(string pem)
    {
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new KeyLoadException("PEM contains a private key; configure the public key (SPKI) or certificate");
        }

        try
        {
            if (pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                using var certificate = X509Certificate2.CreateFromPem(pem);
                var rsa = certificate.GetRSAPublicKey();
                if (rsa is not null)
                {
                    return CheckRsa(rsa, null);
                }

                var ec = certificate.GetECDsaPublicKey();
                return ec is not null ? new ECDsaSecurityKey(ec) : throw new KeyLoadException("certificate key is neither RSA nor EC");
            }

            if (pem.Contains("-----BEGIN RSA PUBLIC KEY-----", StringComparison.Ordinal))
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                return CheckRsa(rsa, null);
            }

            if (!PemEncoding.TryFind(pem, out var fields) || !pem.AsSpan(fields.Label).SequenceEqual("PUBLIC KEY"))
            {
                throw new KeyLoadException("PEM must hold a PUBLIC KEY (SPKI), an RSA PUBLIC KEY or a CERTIFICATE");
            }

            var der = Convert.FromBase64String(pem[fields.Base64Data]);
            var asRsa = RSA.Create();
            try
            {
                asRsa.ImportSubjectPublicKeyInfo(der, out _);
                return CheckRsa(asRsa, null);
            }
            catch (CryptographicException)
            {
                asRsa.Dispose();
            }

            var asEc = ECDsa.Create();
            asEc.ImportSubjectPublicKeyInfo(der, out _);
            return new ECDsaSecurityKey(asEc);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            throw new KeyLoadException("PEM is not a valid RSA or EC public key: " + ex.Message, ex);
        }
    }

    private static RsaSecurityKey CheckRsa(RSA rsa, string? kid)
    {
        if (rsa.KeySize < MinRsaBits)
        {
            var size = rsa.KeySize;
            rsa.Dispose();
            throw new KeyLoadException($"RSA key of {size} bits is too small (at least {MinRsaBits})");
        }

        return new RsaSecurityKey(rsa) { KeyId = kid };
    }

    /// <summary>A stable identity of a key set's material, so an unchanged refresh keeps its generation.</summary>
    public static string Fingerprint(IReadOnlyList<SecurityKey> keys)
    {
        var parts = new List<string>(keys.Count);
        foreach (var key in keys)
        {
            var material = key switch
            {
                RsaSecurityKey rsa => Convert.ToBase64String(rsa.Rsa.ExportSubjectPublicKeyInfo()),
                ECDsaSecurityKey ec => Convert.ToBase64String(ec.ECDsa.ExportSubjectPublicKeyInfo()),
                _ => key.KeyId ?? "",
            };
            parts.Add((key.KeyId ?? "") + ":" + material);
        }

        parts.Sort(StringComparer.Ordinal);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))));
    }

    private static string? GetString(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
