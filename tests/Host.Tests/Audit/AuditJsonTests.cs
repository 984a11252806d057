using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FastProxy.Host.Audit;

namespace FastProxy.Host.Tests.Audit;

/// <summary>
/// The hand-written JSON strings against System.Text.Json's default writer (the serializer the
/// records were written with before): same bytes for any input, printable ASCII, within the bound.
/// </summary>
public class AuditJsonTests
{
    private const int Rounds = 20_000;

    /// <summary>Mostly plain ASCII, with everything that needs escaping mixed in.</summary>
    private static readonly byte[][] ByteParts =
    [
        "a"u8.ToArray(), "/orders/7"u8.ToArray(), "\""u8.ToArray(), "\\"u8.ToArray(), "<>&'+`"u8.ToArray(), [0x00], [0x1F], [0x7F],
        "\n\r\t\b\f"u8.ToArray(), "é"u8.ToArray(), "\u2028"u8.ToArray(), "😀"u8.ToArray(), [0xFF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x80], [0xF4, 0x90, 0x80, 0x80],
    ];

    private static readonly string[] CharParts =
    [
        "a", "claim roles contains reader", "\"", "\\", "<>&'+`", "\0", "\u001f", "\u007f", "\n\r\t\b\f", "é", "\u2028", "😀",
        "\ud800", "\udc00", "\ufffd", "\uffff",
    ];

    [Fact]
    public void WriteString_RandomBytes_SameAsSystemTextJson()
    {
        var random = new Random(4242);
        var input = new List<byte>();
        for (var round = 0; round < Rounds; round++)
        {
            input.Clear();
            var parts = random.Next(0, 8);
            for (var i = 0; i < parts; i++)
            {
                input.AddRange(ByteParts[random.Next(ByteParts.Length)]);
            }

            var value = input.ToArray();
            var actual = Write(value);

            Assert.Equal(Expected(value), actual);
            Assert.True(actual.Length <= AuditJson.MaxEscapedBytes(value.Length), Convert.ToHexString(value));
            Assert.True(actual.All(c => c is >= ' ' and <= '~'), actual);
        }
    }

    [Fact]
    public void WriteString_RandomChars_SameAsSystemTextJson()
    {
        var random = new Random(4243);
        var input = new StringBuilder();
        for (var round = 0; round < Rounds; round++)
        {
            input.Clear();
            var parts = random.Next(0, 8);
            for (var i = 0; i < parts; i++)
            {
                input.Append(CharParts[random.Next(CharParts.Length)]);
            }

            var value = input.ToString();
            var actual = Write(value);

            Assert.Equal(Expected(value), actual);
            Assert.True(actual.Length <= AuditJson.MaxEscapedBytes(value.Length), value);
            Assert.True(actual.All(c => c is >= ' ' and <= '~'), actual);
        }
    }

    [Fact]
    public void WriteString_WorstCaseInput_FitsBound()
    {
        // 4-byte scalars escape to 12 bytes (3 per input byte); single invalid bytes to 6; controls to 6.
        byte[] invalid = [.. Enumerable.Repeat((byte)0xFF, 100)];
        byte[] controls = [.. Enumerable.Repeat((byte)0x01, 100)];
        var lone = new string('\ud800', 100);

        Assert.Equal(AuditJson.MaxEscapedBytes(100), Write(invalid).Length);
        Assert.Equal(AuditJson.MaxEscapedBytes(100), Write(controls).Length);
        Assert.Equal(AuditJson.MaxEscapedBytes(100), Write(lone).Length);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void WriteNumber_Value_InvariantDigits(long value)
    {
        var buffer = new byte[32];
        var position = 0;

        AuditJson.WriteNumber(buffer, ref position, value);

        Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.ASCII.GetString(buffer, 0, position));
    }

    private static string Write(ReadOnlySpan<byte> value)
    {
        var buffer = new byte[AuditJson.MaxEscapedBytes(value.Length)];
        var position = 0;
        AuditJson.WriteString(buffer, ref position, value);
        return Encoding.ASCII.GetString(buffer, 0, position);
    }

    private static string Write(string value)
    {
        var buffer = new byte[AuditJson.MaxEscapedBytes(value.Length)];
        var position = 0;
        AuditJson.WriteString(buffer, ref position, value.AsSpan());
        return Encoding.ASCII.GetString(buffer, 0, position);
    }

    /// <summary>What the previous serializer wrote: valid UTF-8 as is, invalid UTF-8 decoded with replacement first.</summary>
    private static string Expected(byte[] value)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output))
        {
            if (Utf8.IsValid(value))
            {
                json.WriteStringValue(value);
            }
            else
            {
                var chars = new char[value.Length];
                _ = Utf8.ToUtf16(value, chars, out _, out var written, replaceInvalidSequences: true);
                json.WriteStringValue(chars.AsSpan(0, written));
            }
        }

        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    /// <summary>What the previous serializer wrote: UTF-16 to UTF-8 with lone surrogates replaced, then escaped.</summary>
    private static string Expected(string value)
    {
        var utf8 = new byte[value.Length * 3];
        _ = Utf8.FromUtf16(value, utf8, out _, out var bytes, replaceInvalidSequences: true);
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStringValue(utf8.AsSpan(0, bytes));
        }

        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
