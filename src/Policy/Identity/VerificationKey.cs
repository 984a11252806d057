using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FastProxy.Policy.Crypto;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Identity;

/// <summary>
/// A public key ready to verify JWS signatures: the <see cref="RSA"/> or <see cref="ECDsa"/>
/// instance is built once per key-set refresh (<see cref="KeySnapshot"/>), never per request.
/// </summary>
/// <remarks>
/// Instances are shared by all request threads. That is safe: the keys hold only imported public
/// parameters, and RSAOpenSsl / ECDsaOpenSsl (and the CNG / Apple implementations) create their own
/// native context (EVP_PKEY_CTX) for each VerifyHash call, keeping no per-call state in the object.
/// The key is never disposed while a snapshot references it (snapshots are dropped, not disposed).
/// </remarks>
internal sealed class VerificationKey
{
    /// <summary>NIST SP 800-131A: RSA below 2048 bits is not acceptable (KeyLoader refuses them too).</summary>
    private const int MinRsaBits = 2048;

    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;

    /// <summary>RS* through reused OpenSSL contexts where libcrypto 3 is there (PS* and ES* stay on .NET's classes).</summary>
    private readonly NativeRsaVerifier? _pkcs1;

    /// <summary>The JWK's `alg` (RFC 7517 §4.4), or Unknown when it declares none.</summary>
    private readonly JwsAlgorithm _declaredAlgorithm;

    private VerificationKey(byte[]? kid, RSA? rsa, ECDsa? ecdsa, JwsAlgorithm declaredAlgorithm = JwsAlgorithm.Unknown)
    {
        Kid = kid;
        _declaredAlgorithm = declaredAlgorithm;
        _rsa = rsa;
        _ecdsa = ecdsa;
        KeySizeBits = rsa?.KeySize ?? ecdsa!.KeySize;
        _pkcs1 = rsa is not null ? NativeRsaVerifier.TryCreate(rsa) : null;
    }

    /// <summary>The key's `kid` as UTF-8, or null when it has none (tried for any token).</summary>
    public byte[]? Kid { get; }

    /// <summary>RSA modulus bits, or the EC curve size (256, 384, 521).</summary>
    public int KeySizeBits { get; }

    public bool IsRsa => _rsa is not null;

    /// <summary>
    /// Builds the verification key of <paramref name="key"/>, or null when it is not a usable public
    /// signature key (unknown type, RSA under 2048 bits, EC on a curve JWS does not use).
    /// </summary>
    public static VerificationKey? TryCreate(SecurityKey key)
    {
        var kid = string.IsNullOrEmpty(key.KeyId) ? null : Encoding.UTF8.GetBytes(key.KeyId);
        try
        {
            switch (key)
            {
                case RsaSecurityKey rsaKey:
                    return Rsa(kid, rsaKey.Rsa ?? CreateRsa(rsaKey.Parameters));
                case ECDsaSecurityKey ecKey:
                    return Ec(kid, ecKey.ECDsa);
                case X509SecurityKey certificateKey:
                    var certificateRsa = certificateKey.Certificate.GetRSAPublicKey();
                    return certificateRsa is not null ? Rsa(kid, certificateRsa) : Ec(kid, certificateKey.Certificate.GetECDsaPublicKey());
                case JsonWebKey jwk:
                    return FromJwk(kid, jwk);
                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            // A key that cannot be imported verifies nothing; the rest of the set still works.
            return null;
        }
    }

    /// <summary>
    /// Whether this key can verify <paramref name="alg"/>: RSA keys for RS*/PS*, EC keys on the
    /// algorithm's own curve for ES* (RFC 7518 §3.4), and only the JWK's own `alg` when it declares
    /// one (RFC 7517 §4.4: a key published for RS256 is not used for PS256). Other keys are
    /// skipped; when none is left the token fails as InvalidSignature.
    /// </summary>
    public bool Supports(JwsAlgorithm alg)
        => (_declaredAlgorithm == JwsAlgorithm.Unknown || _declaredAlgorithm == alg)
            && (_rsa is not null ? JwsAlgorithms.IsRsa(alg) : JwsAlgorithms.CurveBits(alg) == KeySizeBits);

    /// <summary>
    /// Verifies <paramref name="signature"/> over <paramref name="hash"/> (the JWS signing input
    /// hashed with the algorithm's function). Never throws: a failure is a false.
    /// </summary>
    public bool Verify(JwsAlgorithm alg, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature)
    {
        try
        {
            if (_rsa is not null)
            {
                // RFC 8017 §8.2.2 / §8.1.2: the signature is exactly the modulus length.
                if (signature.Length != (KeySizeBits + 7) / 8)
                {
                    return false;
                }

                // RFC 7518 §3.3 (RSASSA-PKCS1-v1_5) and §3.5 (RSASSA-PSS, MGF1 with the same hash, salt = hash length).
                var pss = alg >= JwsAlgorithm.PS256;
                if (!pss && _pkcs1 is not null)
                {
                    return _pkcs1.Verify(hash, signature);
                }

                return _rsa.VerifyHash(hash, signature, JwsAlgorithms.Hash(alg), pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
            }

            // RFC 7518 §3.4: R || S, each the curve's byte length (64 / 96 / 132 bytes), which is
            // .NET's default (IEEE P1363) signature format.
            return signature.Length == 2 * ((KeySizeBits + 7) / 8) && _ecdsa!.VerifyHash(hash, signature);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static VerificationKey? Rsa(byte[]? kid, RSA rsa, JwsAlgorithm declared = JwsAlgorithm.Unknown)
        => rsa.KeySize >= MinRsaBits ? Usable(new VerificationKey(kid, rsa, null, declared)) : null;

    private static VerificationKey? Ec(byte[]? kid, ECDsa? ecdsa, JwsAlgorithm declared = JwsAlgorithm.Unknown)
        => ecdsa is { KeySize: 256 or 384 or 521 } ? Usable(new VerificationKey(kid, null, ecdsa, declared)) : null;

    /// <summary>A key whose declared alg it cannot verify (ES256 on an RSA key) verifies nothing.</summary>
    private static VerificationKey? Usable(VerificationKey key)
        => key._declaredAlgorithm == JwsAlgorithm.Unknown || key.Supports(key._declaredAlgorithm) ? key : null;

    private static RSA CreateRsa(RSAParameters parameters)
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters { Modulus = parameters.Modulus, Exponent = parameters.Exponent });
        return rsa;
    }

    private static VerificationKey? FromJwk(byte[]? kid, JsonWebKey jwk)
    {
        // RFC 7517 §4.2: only signature keys verify tokens; private members are ignored (public part only).
        if (!string.IsNullOrEmpty(jwk.Use) && !string.Equals(jwk.Use, "sig", StringComparison.Ordinal))
        {
            return null;
        }

        // RFC 7517 §4.3: key_ops, when present, must allow verification.
        if (jwk.KeyOps.Count != 0 && !jwk.KeyOps.Contains("verify"))
        {
            return null;
        }

        // RFC 7517 §4.4: an alg we do not verify (HS256, RSA-OAEP, ...) leaves the key nothing to verify.
        var declared = string.IsNullOrEmpty(jwk.Alg) ? JwsAlgorithm.Unknown : JwsAlgorithms.Parse(jwk.Alg);
        if (!string.IsNullOrEmpty(jwk.Alg) && declared == JwsAlgorithm.Unknown)
        {
            return null;
        }

        if (string.Equals(jwk.Kty, "RSA", StringComparison.Ordinal) && jwk.N is not null && jwk.E is not null)
        {
            return Rsa(kid, CreateRsa(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(jwk.N), Exponent = Base64UrlEncoder.DecodeBytes(jwk.E) }), declared);
        }

        if (string.Equals(jwk.Kty, "EC", StringComparison.Ordinal) && jwk.X is not null && jwk.Y is not null)
        {
            var curve = jwk.Crv switch
            {
                "P-256" => ECCurve.NamedCurves.nistP256,
                "P-384" => ECCurve.NamedCurves.nistP384,
                "P-521" => ECCurve.NamedCurves.nistP521,
                _ => default(ECCurve?),
            };
            if (curve is null)
            {
                return null;
            }

            var point = new ECPoint { X = Base64UrlEncoder.DecodeBytes(jwk.X), Y = Base64UrlEncoder.DecodeBytes(jwk.Y) };
            return Ec(kid, ECDsa.Create(new ECParameters { Curve = curve.Value, Q = point }), declared);
        }

        return null;
    }
}
