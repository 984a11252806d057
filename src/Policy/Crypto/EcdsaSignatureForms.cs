using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace FastProxy.Policy.Crypto;

/// <summary>
/// The two encodings of one ECDSA signature. (r, s) and (r, n - s) verify the same message under
/// the same key (SEC 1 §4.1.4: only R's x coordinate is compared, and -R has the same one), so
/// anyone holding a token can derive its twin without the key: signature malleability. A JWS
/// (RFC 7518 §3.4, R || S) does not forbid either form, and signers (OpenSSL, .NET, most IdPs)
/// emit high S (s &gt; n/2) half the time, so refusing high S would refuse half the ES* tokens of
/// common IdPs. We keep accepting both and treat the two as one token where token identity
/// matters (the token cache, <c>TokenHash</c> / <c>TokenCache</c>): keyed by R only, and a
/// twin compared equal. Equivalent to normalising S to low-S before keying, without decoding
/// anything on the cache-hit path.
/// </summary>
internal static class EcdsaSignatureForms
{
    /// <summary>ES512: R || S of P-521, 2 × 66 bytes.</summary>
    public const int MaxSignatureBytes = 132;

    /// <summary>Its base64url length (RFC 7515 §2, no padding).</summary>
    public const int MaxSegmentBytes = 176;

    // Curve orders n of P-256, P-384, P-521 (FIPS 186-5 / SEC 2), big-endian, as long as a coordinate.
    private static readonly byte[] P256Order = Order(ECCurve.NamedCurves.nistP256);
    private static readonly byte[] P384Order = Order(ECCurve.NamedCurves.nistP384);
    private static readonly byte[] P521Order = Order(ECCurve.NamedCurves.nistP521);

    /// <summary>
    /// The length of <paramref name="token"/>'s last segment when it is that of an ES256, ES384 or
    /// ES512 signature (86, 128, 176 base64url characters; RSA signatures of 2048 bits or more are
    /// longer), else 0. Three byte compares, no scan.
    /// </summary>
    public static int SignatureSegmentLength(ReadOnlySpan<byte> token)
    {
        foreach (var length in (ReadOnlySpan<int>)[86, 128, 176])
        {
            if (token.Length > length && token[^(length + 1)] == (byte)'.')
            {
                return length;
            }
        }

        return 0;
    }

    /// <summary>
    /// How many leading characters of an ES signature segment of <paramref name="segmentLength"/>
    /// depend on R alone (each character holds 6 bits): the same in both forms of a signature.
    /// </summary>
    public static int RPrefixLength(int segmentLength)
    {
        var coordinateBits = 8 * (Base64Url.GetMaxDecodedLength(segmentLength) / 2);
        return coordinateBits / 6;
    }

    /// <summary>
    /// Whether <paramref name="token"/> is <paramref name="known"/> with the other form of its ECDSA
    /// signature: same signing input, same R, S replaced by n - S, in canonical base64url.
    /// <paramref name="known"/> must be a token whose signature verified (so 0 &lt; s &lt; n).
    /// Allocates nothing.
    /// </summary>
    public static bool IsOtherForm(ReadOnlySpan<byte> token, ReadOnlySpan<byte> known)
    {
        var segmentLength = SignatureSegmentLength(known);
        if (segmentLength == 0 || token.Length != known.Length || !token[..^segmentLength].SequenceEqual(known[..^segmentLength]))
        {
            return false;
        }

        Span<byte> twin = stackalloc byte[MaxSegmentBytes];
        return TryWriteOtherForm(known[^segmentLength..], twin, out var written) && token[^segmentLength..].SequenceEqual(twin[..written]);
    }

    /// <summary>
    /// Writes the base64url signature segment (r, n - s) for the segment (r, s) of an ES256/384/512
    /// signature. False when the segment is not one, or s is not in (0, n).
    /// </summary>
    public static bool TryWriteOtherForm(ReadOnlySpan<byte> segment, Span<byte> destination, out int written)
    {
        written = 0;
        Span<byte> signature = stackalloc byte[MaxSignatureBytes];
        if (segment.Length > MaxSegmentBytes
            || Base64Url.DecodeFromUtf8(segment, signature, out _, out var length) != OperationStatus.Done)
        {
            return false;
        }

        var order = length switch
        {
            64 => P256Order,
            96 => P384Order,
            132 => P521Order,
            _ => null,
        };
        var s = signature[(length / 2)..length];
        if (order is null || !IsInRange(s, order))
        {
            return false;
        }

        // n - s, big-endian, with borrow; 0 < s < n keeps the result in (0, n).
        var borrow = 0;
        for (var i = s.Length - 1; i >= 0; i--)
        {
            var difference = order[i] - s[i] - borrow;
            borrow = difference < 0 ? 1 : 0;
            s[i] = (byte)(difference + (borrow << 8));
        }

        return Base64Url.EncodeToUtf8(signature[..length], destination, out _, out written) == OperationStatus.Done;
    }

    /// <summary>0 &lt; s &lt; n, both big-endian of the same length.</summary>
    private static bool IsInRange(ReadOnlySpan<byte> s, ReadOnlySpan<byte> n)
        => s.ContainsAnyExcept((byte)0) && s.SequenceCompareTo(n) < 0;

    private static byte[] Order(ECCurve curve)
    {
        using var key = ECDsa.Create(curve);
        return key.ExportExplicitParameters(includePrivateParameters: false).Curve.Order!;
    }
}
