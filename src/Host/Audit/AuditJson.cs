using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace FastProxy.Host.Audit;

/// <summary>
/// The JSON primitives of an audit record, written by hand into a byte span (RFC 8259). Output is
/// printable ASCII only: every other character is escaped, as System.Text.Json's default encoder
/// does (same escapes, byte for byte), so no terminal, log viewer or line splitter can be fooled
/// by what a client sent. Callers size the span with <see cref="MaxEscapedBytes(int)"/>.
/// </summary>
internal static class AuditJson
{
    /// <summary>
    /// The longest escape of one input unit: a character or UTF-8 byte becomes at most `\uXXXX`
    /// (6 bytes; a surrogate pair is 12 bytes for 2 chars or 4 UTF-8 bytes, an invalid UTF-8 byte
    /// one `\uFFFD`).
    /// </summary>
    public const int MaxEscapeBytesPerUnit = 6;

    /// <summary>
    /// RFC 8259 §7 lets any character be escaped; these pass unescaped: printable ASCII except `"`
    /// and `\` (which must be escaped) and the HTML-sensitive `&amp; ' + &lt; &gt;` and backtick
    /// (escaped by System.Text.Json's default encoder; kept so the record format does not change).
    /// </summary>
    private static readonly SearchValues<byte> PlainBytes = SearchValues.Create(
        " !#$%()*,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~"u8);

    private static readonly SearchValues<char> PlainChars = SearchValues.Create(
        " !#$%()*,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~");

    private static ReadOnlySpan<byte> UpperHex => "0123456789ABCDEF"u8;

    /// <summary>Bytes <see cref="WriteString(Span{byte}, ref int, ReadOnlySpan{byte})"/> may need for <paramref name="units"/> input units, quotes included.</summary>
    public static int MaxEscapedBytes(int units) => (units * MaxEscapeBytesPerUnit) + 2;

    /// <summary>Constant ASCII (member names, punctuation): copied as is.</summary>
    public static void WriteRaw(Span<byte> buffer, ref int position, ReadOnlySpan<byte> raw)
    {
        raw.CopyTo(buffer[position..]);
        position += raw.Length;
    }

    public static void WriteNumber(Span<byte> buffer, ref int position, long value)
    {
        _ = Utf8Formatter.TryFormat(value, buffer[position..], out var written);
        position += written;
    }

    /// <summary>Request bytes (attacker-controlled) as a JSON string: invalid UTF-8 becomes U+FFFD (one per maximal invalid subsequence, as Utf8.ToUtf16 replaces).</summary>
    public static void WriteString(Span<byte> buffer, ref int position, ReadOnlySpan<byte> value)
    {
        buffer[position++] = (byte)'"';
        while (true)
        {
            var plain = value.IndexOfAnyExcept(PlainBytes);
            if (plain < 0)
            {
                value.CopyTo(buffer[position..]);
                position += value.Length;
                break;
            }

            value[..plain].CopyTo(buffer[position..]);
            position += plain;
            value = value[plain..];
            value = value[EscapeFirstByte(buffer, ref position, value)..];
        }

        buffer[position++] = (byte)'"';
    }

    /// <summary>A string from configuration or a token: lone surrogates become U+FFFD.</summary>
    public static void WriteString(Span<byte> buffer, ref int position, ReadOnlySpan<char> value)
    {
        buffer[position++] = (byte)'"';
        while (true)
        {
            var plain = value.IndexOfAnyExcept(PlainChars);
            var run = plain < 0 ? value : value[..plain];

            // Every char of the run is ASCII: narrowing cannot fail.
            _ = Ascii.FromUtf16(run, buffer[position..], out var written);
            position += written;
            if (plain < 0)
            {
                break;
            }

            value = value[plain..];
            value = value[EscapeFirstChar(buffer, ref position, value)..];
        }

        buffer[position++] = (byte)'"';
    }

    /// <summary>Escapes what starts <paramref name="value"/>; returns the bytes consumed.</summary>
    private static int EscapeFirstByte(Span<byte> buffer, ref int position, ReadOnlySpan<byte> value)
    {
        var first = value[0];
        if (first < 0x80)
        {
            EscapeAscii(buffer, ref position, first);
            return 1;
        }

        // Done: one scalar. InvalidData / NeedMoreData: a maximal invalid subsequence, replaced by U+FFFD.
        _ = Rune.DecodeFromUtf8(value, out var rune, out var consumed);
        if (rune.IsBmp)
        {
            EscapeUnit(buffer, ref position, (char)rune.Value);
        }
        else
        {
            Span<char> pair = stackalloc char[2];
            _ = rune.EncodeToUtf16(pair);
            EscapeUnit(buffer, ref position, pair[0]);
            EscapeUnit(buffer, ref position, pair[1]);
        }

        return Math.Max(1, consumed);
    }

    /// <summary>Escapes what starts <paramref name="value"/>; returns the chars consumed.</summary>
    private static int EscapeFirstChar(Span<byte> buffer, ref int position, ReadOnlySpan<char> value)
    {
        var first = value[0];
        if (first < 0x80)
        {
            EscapeAscii(buffer, ref position, (byte)first);
            return 1;
        }

        if (char.IsHighSurrogate(first) && value.Length > 1 && char.IsLowSurrogate(value[1]))
        {
            EscapeUnit(buffer, ref position, first);
            EscapeUnit(buffer, ref position, value[1]);
            return 2;
        }

        EscapeUnit(buffer, ref position, char.IsSurrogate(first) ? '\uFFFD' : first);
        return 1;
    }

    /// <summary>RFC 8259 §7: the two-character escapes where they exist, `\u00XX` otherwise.</summary>
    private static void EscapeAscii(Span<byte> buffer, ref int position, byte value)
    {
        var shortForm = value switch
        {
            (byte)'\\' => (byte)'\\',
            (byte)'\b' => (byte)'b',
            (byte)'\t' => (byte)'t',
            (byte)'\n' => (byte)'n',
            (byte)'\f' => (byte)'f',
            (byte)'\r' => (byte)'r',
            _ => (byte)0,
        };
        if (shortForm != 0)
        {
            buffer[position] = (byte)'\\';
            buffer[position + 1] = shortForm;
            position += 2;
            return;
        }

        EscapeUnit(buffer, ref position, (char)value);
    }

    private static void EscapeUnit(Span<byte> buffer, ref int position, char value)
    {
        var escape = buffer.Slice(position, 6);
        escape[0] = (byte)'\\';
        escape[1] = (byte)'u';
        escape[2] = UpperHex[value >> 12];
        escape[3] = UpperHex[(value >> 8) & 0xF];
        escape[4] = UpperHex[(value >> 4) & 0xF];
        escape[5] = UpperHex[value & 0xF];
        position += 6;
    }
}
