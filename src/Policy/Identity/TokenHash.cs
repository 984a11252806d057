using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using FastProxy.Policy.Crypto;

namespace FastProxy.Policy.Identity;

/// <summary>
/// A fast non-cryptographic 64-bit hash of token bytes with a per-process random seed, so nobody
/// outside can aim tokens at one cache slot. Collisions are harmless: a cache hit also compares
/// the stored token bytes.
/// </summary>
/// <remarks>
/// Only the length and the last <see cref="TailBytes"/> bytes are hashed: they hold the JWS
/// signature, which differs unpredictably between any two tokens that can enter the cache (only
/// validated tokens do). A forged token sharing a cached token's tail lands in the same slot and
/// fails the byte comparison. Hashing the tail keeps the hit path cost independent of token size.
/// For an ES256/384/512 signature only its R part is hashed (42, 64, 88 characters), so both forms
/// of a malleable ECDSA signature land in one slot pair, where <see cref="TokenCache"/> takes them
/// for one token.
/// </remarks>
internal static class TokenHash
{
    /// <summary>RS256 signatures are 342 base64url characters, ES256 86: 64 bytes are signature bytes for both.</summary>
    internal const int TailBytes = 64;

    // Odd 64-bit constants from the golden ratio and MurmurHash3's finaliser (well-mixing multipliers).
    private const ulong Prime1 = 0x9E3779B97F4A7C15UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Fmix1 = 0xFF51AFD7ED558CCDUL;
    private const ulong Fmix2 = 0xC4CEB9FE1A85EC53UL;

    public static readonly ulong Seed = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));

    public static ulong Compute(ReadOnlySpan<byte> token)
    {
        // An ECDSA token and its malleated twin (S replaced by n - S, EcdsaSignatureForms) are one
        // token: hash only the signature characters that depend on R, the same in both forms.
        var signatureLength = EcdsaSignatureForms.SignatureSegmentLength(token);
        var keyed = signatureLength != 0
            ? token.Slice(token.Length - signatureLength, EcdsaSignatureForms.RPrefixLength(signatureLength))
            : token.Length > TailBytes ? token[^TailBytes..] : token;
        return Compute(keyed, Seed ^ ((ulong)token.Length * Prime2));
    }

    public static ulong Compute(ReadOnlySpan<byte> data, ulong seed)
    {
        var h = seed ^ ((ulong)data.Length * Prime1);
        while (data.Length >= 8)
        {
            var k = BinaryPrimitives.ReadUInt64LittleEndian(data) * Prime2;
            h = BitOperations.RotateLeft(h ^ BitOperations.RotateLeft(k, 31) * Prime1, 27) * Prime1 + Prime2;
            data = data[8..];
        }

        ulong tail = 0;
        for (var i = 0; i < data.Length; i++)
        {
            tail |= (ulong)data[i] << (8 * i);
        }

        h ^= BitOperations.RotateLeft(tail * Prime2, 31) * Prime1;

        // MurmurHash3 fmix64 finaliser: full avalanche.
        h ^= h >> 33;
        h *= Fmix1;
        h ^= h >> 33;
        h *= Fmix2;
        h ^= h >> 33;
        return h;
    }
}
