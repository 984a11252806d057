using System.Runtime.InteropServices;

namespace FastProxy.Host.Audit;

/// <summary>The parts of the record format the writer and the verifier share (docs/audit.md).</summary>
internal static class AuditFormat
{
    /// <summary>Schema version the writer emits as `v`; bumped only for a change that breaks readers.</summary>
    public const int SchemaVersion = 2;

    /// <summary>
    /// The first schema: every member always present, `prev` in every record. The verifier and the
    /// file sink's restart still read it (a trail upgraded in place holds v1 records, then v2 ones).
    /// </summary>
    public const int SchemaVersion1 = 1;

    /// <summary>`seq` of a file's first record: in schema 2 the only record that carries `prev`.</summary>
    public const long FirstSeq = 1;

    /// <summary>SHA-256 is 32 bytes, 64 hex digits.</summary>
    public const int HashBytes = 32;

    public const int HashHexLength = HashBytes * 2;

    /// <summary>`prev` of the very first record of a trail (file_seq 0, seq 1): 64 zeros.</summary>
    public static ReadOnlySpan<byte> Genesis => "0000000000000000000000000000000000000000000000000000000000000000"u8;

    /// <summary>Every record ends with this member, then 64 hex digits, then `"}`.</summary>
    public static ReadOnlySpan<byte> HashMemberPrefix => ",\"hash\":\""u8;

    /// <summary>Length of `,"hash":"` + 64 hex + `"}`.</summary>
    public const int HashSuffixLength = 9 + HashHexLength + 2;

    /// <summary>
    /// Lower-case hex of <paramref name="bytes"/> into <paramref name="hex"/> (twice as long). A table
    /// of the 256 two-digit pairs, not Convert.ToHexStringLower: the native AOT binary targets the
    /// baseline x64 instruction set, where that method's vector shuffle runs as a slow software
    /// fallback (perf: ~90 ns per hash in the proxy, against 1.5 ns under the JIT).
    /// </summary>
    public static void ToHex(ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        var pairs = HexPairs;
        var output = MemoryMarshal.Cast<byte, ushort>(hex[..(bytes.Length * 2)]);
        for (var i = 0; i < bytes.Length; i++)
        {
            output[i] = pairs[bytes[i]];
        }
    }

    /// <summary>Lower-case hex only (what the writer emits); false for anything else.</summary>
    public static bool TryFromHex(ReadOnlySpan<byte> hex, Span<byte> bytes)
    {
        if (hex.Length != bytes.Length * 2)
        {
            return false;
        }

        for (var i = 0; i < bytes.Length; i++)
        {
            var high = Nibble(hex[2 * i]);
            var low = Nibble(hex[(2 * i) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            bytes[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    /// <summary>Byte value -> its two hex digits as one little-endian ushort (first digit in the low byte).</summary>
    private static readonly ushort[] HexPairs = CreateHexPairs();

    private static ushort[] CreateHexPairs()
    {
        var digits = "0123456789abcdef"u8;
        var pairs = new ushort[256];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = BitConverter.IsLittleEndian
                ? (ushort)(digits[i >> 4] | (digits[i & 0xF] << 8))
                : (ushort)((digits[i >> 4] << 8) | digits[i & 0xF]);
        }

        return pairs;
    }

    private static int Nibble(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}
