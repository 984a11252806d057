using System.Buffers;

namespace FastProxy.Core.Gate;

/// <summary>The field syntax of RFC 9110 §5 that every protocol shares (no wire framing here).</summary>
public static class HeaderFieldSyntax
{
    /// <summary>RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.</summary>
    public static readonly SearchValues<byte> TChar = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"u8);

    /// <summary>
    /// RFC 9110 §5.5: field-vchar = VCHAR / obs-text with SP and HTAB inside; so no CTL but HTAB, and no DEL.
    /// obs-text (0x80-0xFF) passes: values carry UTF-8.
    /// </summary>
    public static readonly SearchValues<byte> InvalidValueByte = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F"u8);

    /// <summary>RFC 9110 §5.1: field-name = token (1*tchar).</summary>
    public static bool IsToken(ReadOnlySpan<byte> name) => !name.IsEmpty && name.IndexOfAnyExcept(TChar) < 0;

    /// <summary>
    /// RFC 9110 §5.5: field-value = *field-content; no CR, LF, NUL or other controls (HTAB aside), and no
    /// leading or trailing SP/HTAB (they are not part of the value). Empty is a valid value.
    /// </summary>
    public static bool IsFieldValue(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        if (value.IndexOfAny(InvalidValueByte) >= 0)
        {
            return false;
        }

        return !IsWhitespace(value[0]) && !IsWhitespace(value[^1]);
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t';
}
