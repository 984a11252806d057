namespace FastProxy.Host.Audit;

/// <summary>The parts of the record format the writer and the verifier share (docs/audit.md).</summary>
internal static class AuditFormat
{
    /// <summary>Schema version written as `v`; bumped only for a change that breaks readers.</summary>
    public const int SchemaVersion = 1;

    /// <summary>SHA-256 is 32 bytes, 64 hex digits.</summary>
    public const int HashBytes = 32;

    public const int HashHexLength = HashBytes * 2;

    /// <summary>`prev` of the very first record of a trail (file_seq 0, seq 1): 64 zeros.</summary>
    public static ReadOnlySpan<byte> Genesis => "0000000000000000000000000000000000000000000000000000000000000000"u8;

    /// <summary>Every record ends with this member, then 64 hex digits, then `"}`.</summary>
    public static ReadOnlySpan<byte> HashMemberPrefix => ",\"hash\":\""u8;

    /// <summary>Length of `,"hash":"` + 64 hex + `"}`.</summary>
    public const int HashSuffixLength = 9 + HashHexLength + 2;

    /// <summary>Lower-case hex of <paramref name="bytes"/> into <paramref name="hex"/> (twice as long; vectorised by the runtime).</summary>
    public static void ToHex(ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        if (!Convert.TryToHexStringLower(bytes, hex, out _))
        {
            throw new ArgumentException("hex output too short", nameof(hex));
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

    private static int Nibble(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}
