namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// The HPACK Huffman code (RFC 7541 §5.2, Appendix B). The code is canonical, so only each symbol's bit length is
/// stored (<see cref="CodeLengths"/>); the codes and the decoding tables are built once at type initialization.
/// Decoding reads the input through a 64-bit window and takes one symbol per step: one lookup of the next 11 bits for
/// the short codes (every letter, digit and common punctuation mark), and for the rare longer ones the canonical
/// per-length ranges.
/// </summary>
public static partial class HPackHuffman
{
    private const int Eos = 256;
    private const int SymbolCount = 257;
    private const int MaxCodeLength = 30;

    /// <summary>Codes up to this many bits decode through <see cref="ShortCodes"/>.</summary>
    private const int ShortCodeBits = 11;

    private static readonly uint[] Codes = new uint[SymbolCount];

    /// <summary>Per value of the next <see cref="ShortCodeBits"/> bits: symbol &lt;&lt; 5 | code length, or 0 when the code is longer.</summary>
    private static readonly ushort[] ShortCodes = new ushort[1 << ShortCodeBits];

    // Canonical ranges per code length: codes of length L are FirstCode[L] .. FirstCode[L] + CodeCount[L] - 1, and
    // their symbols, in code order, start at SymbolsByCode[FirstSymbol[L]].
    private static readonly uint[] FirstCode = new uint[MaxCodeLength + 1];
    private static readonly int[] CodeCount = new int[MaxCodeLength + 1];
    private static readonly int[] FirstSymbol = new int[MaxCodeLength + 1];
    private static readonly ushort[] SymbolsByCode = new ushort[SymbolCount];

    static HPackHuffman()
    {
        BuildCodes();
        BuildDecoder();
    }

    /// <summary>Decodes <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <returns>Bytes written; -1 for invalid Huffman data; -2 when <paramref name="destination"/> is too small.</returns>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var shortCodes = ShortCodes;
        ulong window = 0; // the next bits, most significant first; zeros past the input
        var bits = 0;
        var next = 0;
        var written = 0;
        while (true)
        {
            while (bits <= 56 && next < source.Length)
            {
                window |= (ulong)source[next++] << (56 - bits);
                bits += 8;
            }

            if (bits == 0)
            {
                return written;
            }

            int symbol;
            int length;
            var entry = shortCodes[(int)(window >> (64 - ShortCodeBits))];
            if (entry != 0)
            {
                symbol = entry >> 5;
                length = entry & 31;
            }
            else
            {
                (symbol, length) = DecodeLongCode(window);
            }

            if (length > bits)
            {
                // What is left is padding: RFC 7541 §5.2 allows at most 7 bits, the most significant bits of EOS (ones).
                return bits <= 7 && window >> (64 - bits) == (1UL << bits) - 1 ? written : -1;
            }

            if (symbol == Eos)
            {
                // "A Huffman-encoded string literal containing the EOS symbol MUST be treated as a decoding error."
                return -1;
            }

            if ((uint)written >= (uint)destination.Length)
            {
                return -2;
            }

            destination[written++] = (byte)symbol;
            window <<= length;
            bits -= length;
        }
    }

    /// <summary>A code longer than <see cref="ShortCodeBits"/>: the first length whose canonical range holds the window's prefix.</summary>
    private static (int Symbol, int Length) DecodeLongCode(ulong window)
    {
        for (var length = ShortCodeBits + 1; length <= MaxCodeLength; length++)
        {
            var offset = (uint)(window >> (64 - length)) - FirstCode[length];
            if (offset < (uint)CodeCount[length])
            {
                return (SymbolsByCode[FirstSymbol[length] + (int)offset], length);
            }
        }

        // Unreachable: the code is complete (every 30-bit string starts with a code; EOS is thirty ones).
        return (Eos, MaxCodeLength);
    }

    /// <summary>The length in bytes of <paramref name="source"/> Huffman-encoded.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> source)
    {
        var lengths = CodeLengths;
        long bits = 0;
        foreach (var b in source)
        {
            bits += lengths[b];
        }

        return (int)((bits + 7) >> 3);
    }

    /// <summary>Encodes <paramref name="source"/>, padding the last byte with the EOS prefix (ones).</summary>
    /// <returns>Bytes written, or -1 when <paramref name="destination"/> is too small.</returns>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var lengths = CodeLengths;
        ulong pending = 0;
        var pendingBits = 0;
        var written = 0;
        foreach (var b in source)
        {
            pending = (pending << lengths[b]) | Codes[b];
            pendingBits += lengths[b];
            while (pendingBits >= 8)
            {
                if ((uint)written >= (uint)destination.Length)
                {
                    return -1;
                }

                pendingBits -= 8;
                destination[written++] = (byte)(pending >> pendingBits);
            }
        }

        if (pendingBits > 0)
        {
            if ((uint)written >= (uint)destination.Length)
            {
                return -1;
            }

            var padBits = 8 - pendingBits;
            destination[written++] = (byte)((pending << padBits) | ((1UL << padBits) - 1));
        }

        return written;
    }

    /// <summary>Canonical code assignment: by length, then by symbol, each code one more than the last, shifted left as lengths grow.</summary>
    private static void BuildCodes()
    {
        var lengths = CodeLengths;
        uint code = 0;
        var previousLength = 0;
        for (var length = 1; length <= 30; length++)
        {
            for (var symbol = 0; symbol < SymbolCount; symbol++)
            {
                if (lengths[symbol] != length)
                {
                    continue;
                }

                code <<= length - previousLength;
                previousLength = length;
                Codes[symbol] = code++;
            }
        }
    }

    private static void BuildDecoder()
    {
        var lengths = CodeLengths;
        var position = 0;
        for (var length = 1; length <= MaxCodeLength; length++)
        {
            FirstSymbol[length] = position;
            for (var symbol = 0; symbol < SymbolCount; symbol++)
            {
                if (lengths[symbol] != length)
                {
                    continue;
                }

                // Canonical order (BuildCodes): within a length, codes rise with the symbol.
                if (CodeCount[length] == 0)
                {
                    FirstCode[length] = Codes[symbol];
                }

                CodeCount[length]++;
                SymbolsByCode[position++] = (ushort)symbol;
                if (length <= ShortCodeBits)
                {
                    // Every window whose first bits are this code decodes to it.
                    var spread = ShortCodeBits - length;
                    var first = (int)(Codes[symbol] << spread);
                    ShortCodes.AsSpan(first, 1 << spread).Fill((ushort)((symbol << 5) | length));
                }
            }
        }
    }
}
