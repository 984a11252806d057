using System.Buffers;
using FastProxy.Core.Gate;

namespace FastProxy.Http.Http1;

/// <summary>Byte classes of RFC 9110 §5.6 and RFC 3986 as cached <see cref="SearchValues{T}"/> (vectorised scans).</summary>
internal static class Http1Chars
{
    public const byte CR = (byte)'\r';
    public const byte LF = (byte)'\n';
    public const byte SP = (byte)' ';
    public const byte HTab = (byte)'\t';
    public const byte Colon = (byte)':';
    public const byte Comma = (byte)',';
    public const byte Slash = (byte)'/';
    public const byte Question = (byte)'?';
    public const byte Percent = (byte)'%';
    public const byte Dot = (byte)'.';
    public const byte Semicolon = (byte)';';
    public const byte EqualsSign = (byte)'=';
    public const byte DQuote = (byte)'"';
    public const byte Backslash = (byte)'\\';

    /// <summary>RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.</summary>
    public static SearchValues<byte> TChar => HeaderFieldSyntax.TChar;

    /// <summary>
    /// Bytes a field value may not hold (RFC 9110 §5.5: field-vchar = VCHAR / obs-text, plus SP and HTAB inside):
    /// every CTL except HTAB, and DEL. obs-text (0x80-0xFF) is accepted because real values carry UTF-8.
    /// </summary>
    public static SearchValues<byte> InvalidFieldValue => HeaderFieldSyntax.InvalidValueByte;

    /// <summary>Reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 §4): the same exclusions as a field value.</summary>
    public static SearchValues<byte> InvalidReason => InvalidFieldValue;

    /// <summary>qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4): the complement, plus DQUOTE and backslash.</summary>
    public static readonly SearchValues<byte> QdTextStop = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F\"\\"u8);

    public static bool IsWhitespace(byte b) => b is SP or HTab;

    /// <summary>Trims optional whitespace (OWS = *( SP / HTAB ), RFC 9110 §5.6.3) on both sides.</summary>
    public static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length && IsWhitespace(value[start]))
        {
            start++;
        }

        var end = value.Length;
        while (end > start && IsWhitespace(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>Hex digit value, or -1.</summary>
    public static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
