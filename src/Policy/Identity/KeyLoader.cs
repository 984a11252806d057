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
        if (StaticKeyEntry.IsInline(entry))
        {
            return Parse(entry.Trim());
        }

        var path = StaticKeyEntry.FilePath(entry, baseDirectory);
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
        // GetString / TryGetProperty would throw InvalidOperationException on such text later.
        if (!JsonUnicode.IsWellFormed(json.Span))
        {
            throw new KeyLoadException("key document is not valid UTF-8 JSON text (invalid bytes or an unpaired surrogate escape)");
        }

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

    /// <summary>
    /// A JWK as a <see cref="JsonWebKey"/> (public members only), so what it declares about its own
    /// use reaches <see cref="VerificationKey"/>: `use` (RFC 7517 §4.2, must be `sig`), `key_ops`
    /// (§4.3, must include `verify`) and `alg` (§4.4, the one algorithm it may verify). The key
    /// material is imported here once to refuse what cannot be a public key of ours.
    /// </summary>
    private static JsonWebKey? TryFromJwk(JsonElement jwk, bool strict)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            return strict ? throw new KeyLoadException("a JWK must be a JSON object") : null;
        }

        var kty = GetString(jwk, "kty");
        var kid = GetString(jwk, "kid");
        var use = GetString(jwk, "use");
        var alg = GetString(jwk, "alg");

        // RFC 7517 §4.2: only signature keys verify tokens.
        if (use is not null && !string.Equals(use, "sig", StringComparison.Ordinal))
        {
            return strict ? throw new KeyLoadException($"JWK '{kid}' has use '{use}', not 'sig'") : null;
        }

        // RFC 7517 §4.3: when key_ops is there, it must allow "verify".
        var keyOps = GetStrings(jwk, "key_ops", kid);
        if (keyOps is not null && !keyOps.Contains("verify", StringComparer.Ordinal))
        {
            return strict ? throw new KeyLoadException($"JWK '{kid}' has key_ops without 'verify'") : null;
        }

        // RFC 7517 §4.4: a key published for one algorithm verifies only that one; one we do not
        // verify (HS256, RSA-OAEP, EdDSA, ...) makes the key useless here.
        var declared = alg is null ? JwsAlgorithm.Unknown : JwsAlgorithms.Parse(alg);
        if (alg is not null && declared == JwsAlgorithm.Unknown)
        {
            return strict ? throw new KeyLoadException($"JWK '{kid}' has alg '{alg}', not an RS*, PS* or ES* algorithm") : null;
        }

        // RFC 7518 §6.3.2.1 / §6.2.2.1: 'd' is private key material; a public key set must not carry it.
        if (jwk.TryGetProperty("d", out _))
        {
            throw new KeyLoadException($"JWK '{kid}' contains private key material; publish only the public key");
        }

        var key = new JsonWebKey { Kty = kty, Kid = kid, Use = use, Alg = alg };
        foreach (var op in keyOps ?? [])
        {
            key.KeyOps.Add(op);
        }

        try
        {
            switch (kty)
            {
                case "RSA":
                    {
                        key.N = GetString(jwk, "n") ?? throw new KeyLoadException($"RSA JWK '{kid}' has no 'n'");
                        key.E = GetString(jwk, "e") ?? throw new KeyLoadException($"RSA JWK '{kid}' has no 'e'");
                        using var rsa = RSA.Create();
                        rsa.ImportParameters(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(key.N), Exponent = Base64UrlEncoder.DecodeBytes(key.E) });
                        CheckRsaSize(rsa.KeySize);
                        break;
                    }

                case "EC":
                    {
                        key.Crv = GetString(jwk, "crv");
                        var curve = key.Crv switch
                        {
                            "P-256" => ECCurve.NamedCurves.nistP256,
                            "P-384" => ECCurve.NamedCurves.nistP384,
                            "P-521" => ECCurve.NamedCurves.nistP521,
                            var other => throw new KeyLoadException($"EC JWK '{kid}' has unsupported curve '{other}'"),
                        };
                        key.X = GetString(jwk, "x") ?? throw new KeyLoadException($"EC JWK '{kid}' has no 'x'");
                        key.Y = GetString(jwk, "y") ?? throw new KeyLoadException($"EC JWK '{kid}' has no 'y'");
                        using var ec = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(key.X), Y = Base64UrlEncoder.DecodeBytes(key.Y) } });
                        break;
                    }

                default:
                    return strict ? throw new KeyLoadException($"JWK '{kid}' has unsupported kty '{kty}' (RSA and EC only)") : null;
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            throw new KeyLoadException($"JWK '{kid}' is not a valid public key: {ex.Message}", ex);
        }

        // An alg of the other family or curve (ES256 on an RSA key) verifies nothing.
        if (declared != JwsAlgorithm.Unknown && VerificationKey.TryCreate(key) is null)
        {
            return strict ? throw new KeyLoadException($"JWK '{kid}' has alg '{alg}', which its {kty} key cannot verify") : null;
        }

        return key;
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
            CheckRsaSize(size);
        }

        return new RsaSecurityKey(rsa) { KeyId = kid };
    }

    private static void CheckRsaSize(int bits)
    {
        if (bits < MinRsaBits)
        {
            throw new KeyLoadException($"RSA key of {bits} bits is too small (at least {MinRsaBits})");
        }
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

                // What a JWK declares is part of the key: a changed alg or key_ops is a new generation.
                JsonWebKey jwk => string.Join("|", jwk.Kty, jwk.N, jwk.E, jwk.Crv, jwk.X, jwk.Y, jwk.Alg, jwk.Use, string.Join(",", jwk.KeyOps)),
                _ => key.KeyId ?? "",
            };
            parts.Add((key.KeyId ?? "") + ":" + material);
        }

        parts.Sort(StringComparer.Ordinal);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))));
    }

    private static string? GetString(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? ReadString(value) : null;

    /// <summary>An array of strings (RFC 7517 §4.3 key_ops), or null when the member is absent.</summary>
    private static List<string>? GetStrings(JsonElement element, string name, string? kid)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new KeyLoadException($"JWK '{kid}' has a '{name}' that is not an array");
        }

        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? ReadString(item) : throw new KeyLoadException($"JWK '{kid}' has a '{name}' that is not an array of strings"));
        }

        return list;
    }

    /// <summary>Cannot throw: ParseJson checked the text with <see cref="JsonUnicode.IsWellFormed"/>.</summary>
    private static string ReadString(JsonElement value) => value.GetString()!;
}
