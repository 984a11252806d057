using System.Text.Unicode;

namespace FastProxy.Policy.Identity;

/// <summary>
/// Whether JSON text from a token is Unicode that System.Text.Json can turn into strings: valid
/// UTF-8 (RFC 8259 §8.1, RFC 7515 §5.2 steps 3 and 8) and no `\u` escape of an unpaired surrogate
/// (RFC 8259 §8.2 leaves such strings' meaning undefined). The reader accepts both while parsing
/// and only throws InvalidOperationException later, when a string is unescaped or transcoded
/// (CopyString, GetString, ValueEquals, TryGetProperty on an escaped name), which can be anywhere
/// a payload is read. Checking once, before any reader runs, makes every later read safe.
/// </summary>
internal static class JsonUnicode
{
    private const byte Backslash = (byte)'\\';
    private const int HighSurrogateStart = 0xD800;
    private const int LowSurrogateStart = 0xDC00;
    private const int LowSurrogateEnd = 0xDFFF;

    /// <summary>`\uXXXX` is six bytes.</summary>
    private const int UnicodeEscapeLength = 6;

    /// <summary>
    /// True when <paramref name="json"/> is valid UTF-8 and every `\uD800`-`\uDBFF` escape is
    /// directly followed by a `\uDC00`-`\uDFFF` escape (and no low one stands alone). Text that is
    /// not JSON may pass: the reader refuses it afterwards. Vectorised scans; tokens rarely
    /// contain a backslash at all.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> json)
        => Utf8.IsValid(json) && HasPairedSurrogateEscapes(json);

    private static bool HasPairedSurrogateEscapes(ReadOnlySpan<byte> json)
    {
        // In JSON text a backslash only occurs inside a string, where it always starts an escape
        // (RFC 8259 §7); escapes are consumed whole, so the next backslash starts the next escape.
        var at = json.IndexOf(Backslash);
        while (at >= 0)
        {
            if (at + 1 >= json.Length)
            {
                return false;
            }

            var next = at + 2;
            if (json[at + 1] == (byte)'u')
            {
                if (!TryReadUnit(json, at, out var unit) || unit is >= LowSurrogateStart and <= LowSurrogateEnd)
                {
                    return false;
                }

                next = at + UnicodeEscapeLength;
                if (unit >= HighSurrogateStart && unit < LowSurrogateStart)
                {
                    if (!TryReadUnit(json, next, out var low) || low is < LowSurrogateStart or > LowSurrogateEnd)
                    {
                        return false;
                    }

                    next += UnicodeEscapeLength;
                }
            }

            var rest = json[next..].IndexOf(Backslash);
            at = rest < 0 ? -1 : next + rest;
        }

        return true;
    }

    /// <summary>The UTF-16 code unit of a `\uXXXX` escape starting at <paramref name="at"/>.</summary>
    private static bool TryReadUnit(ReadOnlySpan<byte> json, int at, out int unit)
    {
        unit = 0;
        if (at + UnicodeEscapeLength > json.Length || json[at] != Backslash || json[at + 1] != (byte)'u')
        {
            return false;
        }

        for (var i = at + 2; i < at + UnicodeEscapeLength; i++)
        {
            var digit = HexValue(json[i]);
            if (digit < 0)
            {
                return false;
            }

            unit = (unit << 4) | digit;
        }

        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
