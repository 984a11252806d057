namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// The HPACK Huffman code (RFC 7541 §5.2, Appendix B). The code is canonical, so only each symbol's bit length is
/// stored (<see cref="CodeLengths"/>); the codes themselves and a 4-bit-at-a-time decoding automaton are built once
/// at type initialization. Decoding then costs one table lookup per nibble, with no per-bit branching.
/// </summary>
public static partial class HPackHuffman
{
    private const int Eos = 256;
    private const int SymbolCount = 257;

    /// <summary>Internal nodes of the code tree: a full binary tree with 257 leaves has 256.</summary>
    private const int NodeCount = 256;

    private const uint EmitFlag = 1 << 16;
    private const uint FailFlag = 1 << 17;

    private static readonly uint[] Codes = new uint[SymbolCount];

    /// <summary>
    /// Per (node, nibble): next node in bits 0-7, emitted symbol in bits 8-15, <see cref="EmitFlag"/>,
    /// <see cref="FailFlag"/> (EOS reached). The shortest code is 5 bits, so one nibble emits at most one symbol.
    /// </summary>
    private static readonly uint[] Transitions = new uint[NodeCount * 16];

    /// <summary>
    /// Nodes where a string may end: the root, or a node reached by at most 7 one-bits from it (RFC 7541 §5.2:
    /// padding "strictly longer than 7 bits" or "not correspond[ing] to the most significant bits of the code for
    /// the EOS symbol MUST be treated as a decoding error").
    /// </summary>
    private static readonly bool[] CanEnd = new bool[NodeCount];

    static HPackHuffman()
    {
        BuildCodes();
        BuildDecoder();
    }

    /// <summary>Decodes <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <returns>Bytes written; -1 for invalid Huffman data; -2 when <paramref name="destination"/> is too small.</returns>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var transitions = Transitions;
        var node = 0;
        var written = 0;
        foreach (var b in source)
        {
            var t = transitions[(node << 4) | (b >> 4)];
            if ((t & (EmitFlag | FailFlag)) != 0)
            {
                if ((t & FailFlag) != 0)
                {
                    return -1;
                }

                if ((uint)written >= (uint)destination.Length)
                {
                    return -2;
                }

                destination[written++] = (byte)(t >> 8);
            }

            t = transitions[((int)(t & 0xFF) << 4) | (b & 0x0F)];
            if ((t & (EmitFlag | FailFlag)) != 0)
            {
                if ((t & FailFlag) != 0)
                {
                    return -1;
                }

                if ((uint)written >= (uint)destination.Length)
                {
                    return -2;
                }

                destination[written++] = (byte)(t >> 8);
            }

            node = (int)(t & 0xFF);
        }

        return CanEnd[node] ? written : -1;
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
        // Children of each internal node: >= 0 is another internal node, < 0 is a leaf holding ~symbol.
        var zero = new int[NodeCount];
        var one = new int[NodeCount];
        var nodes = 1;
        var lengths = CodeLengths;
        for (var symbol = 0; symbol < SymbolCount; symbol++)
        {
            var node = 0;
            for (var bit = lengths[symbol] - 1; bit >= 0; bit--)
            {
                var children = ((Codes[symbol] >> bit) & 1) == 0 ? zero : one;
                if (bit == 0)
                {
                    children[node] = ~symbol;
                }
                else
                {
                    if (children[node] == 0)
                    {
                        children[node] = nodes++;
                    }

                    node = children[node];
                }
            }
        }

        for (var node = 0; node < NodeCount; node++)
        {
            for (var nibble = 0; nibble < 16; nibble++)
            {
                var current = node;
                uint entry = 0;
                for (var bit = 3; bit >= 0; bit--)
                {
                    var child = ((nibble >> bit) & 1) == 0 ? zero[current] : one[current];
                    if (child >= 0)
                    {
                        current = child;
                        continue;
                    }

                    if (~child == Eos)
                    {
                        entry |= FailFlag;
                        break;
                    }

                    entry |= EmitFlag | ((uint)~child << 8);
                    current = 0;
                }

                Transitions[(node << 4) | nibble] = entry | (uint)current;
            }
        }

        // Follow the all-ones path from the root for up to 7 bits: those nodes are valid padding.
        var padding = 0;
        CanEnd[0] = true;
        for (var depth = 1; depth <= 7; depth++)
        {
            padding = one[padding];
            CanEnd[padding] = true;
        }
    }
}
