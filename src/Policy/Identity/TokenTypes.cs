using System.Text;

namespace FastProxy.Policy.Identity;

/// <summary>
/// JWT `typ` values compared as media types (RFC 7515 §4.1.9): a value without a '/' means
/// `application/` + value, so `at+jwt` and `application/at+jwt` are one type (RFC 9068 §2.1), and
/// media type names are case-insensitive (RFC 6838 §4.2).
/// </summary>
internal static class TokenTypes
{
    /// <summary>RFC 6838 §4.2: type and subtype names are at most 127 characters each.</summary>
    public const int MaxBytes = 255;

    private static ReadOnlySpan<byte> ApplicationPrefix => "application/"u8;

    /// <summary>The configured value in the form <see cref="Matches"/> compares: no `application/`, lower case.</summary>
    public static byte[] Normalize(string configured)
    {
        var type = WithoutApplicationPrefix(Encoding.ASCII.GetBytes(configured)).ToArray();
        Ascii.ToLowerInPlace(type, out _);
        return type;
    }

    /// <summary>Whether the token's <paramref name="typ"/> (UTF-8, unescaped) is one of <paramref name="accepted"/> (normalised).</summary>
    public static bool Matches(ReadOnlySpan<byte> typ, byte[][] accepted)
    {
        typ = WithoutApplicationPrefix(typ);
        foreach (var type in accepted)
        {
            if (Ascii.EqualsIgnoreCase(typ, type))
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<byte> WithoutApplicationPrefix(ReadOnlySpan<byte> typ)
        => typ.Length > ApplicationPrefix.Length
            && Ascii.EqualsIgnoreCase(typ[..ApplicationPrefix.Length], ApplicationPrefix)
            && !typ[ApplicationPrefix.Length..].Contains((byte)'/')
            ? typ[ApplicationPrefix.Length..]
            : typ;
}
