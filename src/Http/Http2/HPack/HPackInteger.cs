namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// Integer representation (RFC 7541 §5.1): an N-bit prefix, and when the value does not fit in it, the prefix all
/// ones followed by 7-bit groups, least significant first, with the high bit saying "more follows".
/// <code>
///   0   1   2   3   4   5   6   7
/// +---+---+---+---+---+---+---+---+
/// | ? | ? | ? | 1   1   1   1   1 |
/// +---+---+---+-------------------+
/// | 1 |    Value-(2^N-1) LSB      |
/// +---+---------------------------+
///                ...
/// +---+---------------------------+
/// | 0 |    Value-(2^N-1) MSB      |
/// +---+---------------------------+
/// </code>
/// </summary>
public static class HPackInteger
{
    /// <summary>
    /// Decodes the integer at <paramref name="position"/> with a <paramref name="prefixBits"/>-bit prefix and moves
    /// <paramref name="position"/> past it. Values above int.MaxValue are refused: nothing in HTTP/2 needs more, and
    /// an unbounded continuation is a cheap way to make a decoder loop.
    /// </summary>
    public static HPackError TryDecode(ReadOnlySpan<byte> source, ref int position, int prefixBits, out int value)
    {
        value = 0;
        var pos = position;

        // (uint) cast: one compare covers both a negative and a too-large position.
        if ((uint)pos >= (uint)source.Length)
        {
            return HPackError.Truncated;
        }

        var mask = (1 << prefixBits) - 1;
        long result = source[pos++] & mask;
        if (result == mask)
        {
            var shift = 0;
            byte b;
            do
            {
                if ((uint)pos >= (uint)source.Length)
                {
                    return HPackError.Truncated;
                }

                // Five groups reach bit 35: past 31 bits either by shift or by value.
                if (shift > 28)
                {
                    return HPackError.IntegerOverflow;
                }

                b = source[pos++];
                result += (long)(b & 0x7F) << shift;
                if (result > int.MaxValue)
                {
                    return HPackError.IntegerOverflow;
                }

                shift += 7;
            }
            while ((b & 0x80) != 0);
        }

        value = (int)result;
        position = pos;
        return HPackError.None;
    }

    /// <summary>
    /// Writes <paramref name="value"/> with a <paramref name="prefixBits"/>-bit prefix; <paramref name="firstByteBits"/>
    /// are the representation's pattern bits above the prefix. Returns the bytes written, or 0 when they do not fit.
    /// </summary>
    public static int Encode(int value, int prefixBits, byte firstByteBits, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        var mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            destination[0] = (byte)(firstByteBits | value);
            return 1;
        }

        destination[0] = (byte)(firstByteBits | mask);
        var rest = (uint)(value - mask);
        var i = 1;
        while (rest >= 0x80)
        {
            if ((uint)i >= (uint)destination.Length)
            {
                return 0;
            }

            destination[i++] = (byte)(rest | 0x80);
            rest >>= 7;
        }

        if ((uint)i >= (uint)destination.Length)
        {
            return 0;
        }

        destination[i++] = (byte)rest;
        return i;
    }
}
