using System.Security.Cryptography;
using FastProxy.Core.Crypto;

namespace FastProxy.Policy.Identity;

/// <summary>Names, hash functions and key families of <see cref="JwsAlgorithm"/> (RFC 7518 §3.1).</summary>
internal static class JwsAlgorithms
{
    /// <summary>Every algorithm name is 5 ASCII bytes ("RS256"); anything else is unknown.</summary>
    private const int NameLength = 5;

    /// <summary>The `alg` header value as UTF-8 (already unescaped); case-sensitive (RFC 7515 §4.1.1).</summary>
    public static JwsAlgorithm Parse(ReadOnlySpan<byte> name)
    {
        if (name.Length != NameLength)
        {
            return JwsAlgorithm.Unknown;
        }

        var size = name[2..];
        var bits = size.SequenceEqual("256"u8) ? 0 : size.SequenceEqual("384"u8) ? 1 : size.SequenceEqual("512"u8) ? 2 : -1;
        if (bits < 0)
        {
            return JwsAlgorithm.Unknown;
        }

        if (name.StartsWith("RS"u8))
        {
            return (JwsAlgorithm)((int)JwsAlgorithm.RS256 + bits);
        }

        if (name.StartsWith("PS"u8))
        {
            return (JwsAlgorithm)((int)JwsAlgorithm.PS256 + bits);
        }

        return name.StartsWith("ES"u8) ? (JwsAlgorithm)((int)JwsAlgorithm.ES256 + bits) : JwsAlgorithm.Unknown;
    }

    public static JwsAlgorithm Parse(string name)
    {
        Span<byte> bytes = stackalloc byte[NameLength];
        return name.Length == NameLength && System.Text.Ascii.FromUtf16(name, bytes, out _) == System.Buffers.OperationStatus.Done
            ? Parse(bytes)
            : JwsAlgorithm.Unknown;
    }

    /// <summary>RS* and PS* need an RSA key (RFC 7518 §3.3, §3.5).</summary>
    public static bool IsRsa(JwsAlgorithm alg) => alg is >= JwsAlgorithm.RS256 and <= JwsAlgorithm.PS512;

    /// <summary>ES* need an EC key on the matching curve (RFC 7518 §3.4).</summary>
    public static bool IsEcdsa(JwsAlgorithm alg) => alg is >= JwsAlgorithm.ES256 and <= JwsAlgorithm.ES512;

    public static HashAlgorithmName Hash(JwsAlgorithm alg) => alg switch
    {
        JwsAlgorithm.RS256 or JwsAlgorithm.PS256 or JwsAlgorithm.ES256 => HashAlgorithmName.SHA256,
        JwsAlgorithm.RS384 or JwsAlgorithm.PS384 or JwsAlgorithm.ES384 => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    /// <summary>
    /// Hashes the JWS signing input with the algorithm's SHA-2 function; returns the hash length.
    /// SHA-256 (the common case, once per token-cache miss) skips OpenSSL's EVP overhead when it can.
    /// </summary>
    public static int HashData(JwsAlgorithm alg, ReadOnlySpan<byte> source, Span<byte> destination) => alg switch
    {
        JwsAlgorithm.RS256 or JwsAlgorithm.PS256 or JwsAlgorithm.ES256 => Sha256(source, destination),
        JwsAlgorithm.RS384 or JwsAlgorithm.PS384 or JwsAlgorithm.ES384 => SHA384.HashData(source, destination),
        _ => SHA512.HashData(source, destination),
    };

    private static int Sha256(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (!NativeSha256.IsAvailable)
        {
            return SHA256.HashData(source, destination);
        }

        NativeSha256.Hash(source, destination);
        return NativeSha256.HashBytes;
    }

    /// <summary>
    /// RFC 7518 §3.4: ES256 is P-256 with SHA-256, ES384 P-384 with SHA-384, ES512 P-521 with
    /// SHA-512; the key's curve must be the algorithm's.
    /// </summary>
    public static int CurveBits(JwsAlgorithm alg) => alg switch
    {
        JwsAlgorithm.ES256 => 256,
        JwsAlgorithm.ES384 => 384,
        JwsAlgorithm.ES512 => 521,
        _ => 0,
    };
}
