namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// Encodes fields into a header block (RFC 7541 §6), for the response heads we send. Whole-field matches in the
/// static or dynamic table become one index; otherwise the name is indexed when it can be and the value is a
/// literal, Huffman-coded when that is shorter. One encoder per connection: its dynamic table mirrors the peer's
/// decoder, whose size is the peer's SETTINGS_HEADER_TABLE_SIZE.
/// </summary>
public sealed class HPackEncoder : IDisposable
{
    private readonly HPackDynamicTable _table;
    private int _pendingSizeUpdate = -1;

    /// <param name="maxTableSize">The peer's SETTINGS_HEADER_TABLE_SIZE, the most our table may hold (4096 until the peer says otherwise).</param>
    public HPackEncoder(int maxTableSize = (int)Http2Settings.DefaultHeaderTableSize)
    {
        _table = new HPackDynamicTable(maxTableSize);
    }

    public HPackDynamicTable DynamicTable => _table;

    /// <summary>
    /// Shrinks (or restores) the table; the change is signalled at the start of the next block
    /// (RFC 7541 §4.2: the encoder "MUST signal" a reduction with a dynamic table size update).
    /// </summary>
    public void SetMaxTableSize(int size)
    {
        _table.SetMaxSize(size);
        _pendingSizeUpdate = size;
    }

    /// <summary>
    /// Call at the start of each block: writes a pending dynamic table size update, if any.
    /// Returns false when <paramref name="destination"/> is too small.
    /// </summary>
    public bool TryBeginBlock(Span<byte> destination, out int written)
    {
        written = 0;
        if (_pendingSizeUpdate < 0)
        {
            return true;
        }

        // RFC 7541 §6.3: 001xxxxx, 5-bit prefix.
        written = HPackInteger.Encode(_pendingSizeUpdate, 5, 0x20, destination);
        if (written == 0)
        {
            return false;
        }

        _pendingSizeUpdate = -1;
        return true;
    }

    /// <summary>Encodes one field. Returns false (nothing written, table unchanged) when <paramref name="destination"/> is too small.</summary>
    public bool TryEncode(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, HPackIndexing indexing, bool huffman, Span<byte> destination, out int written)
    {
        written = 0;
        var index = HPackStaticTable.Find(name, value, out var nameIndex);
        if (index == 0 && indexing != HPackIndexing.NeverIndexed)
        {
            var dynamicIndex = _table.Find(name, value, out var dynamicNameIndex);
            if (dynamicIndex != 0)
            {
                index = dynamicIndex + HPackStaticTable.Count;
            }
            else if (nameIndex == 0 && dynamicNameIndex != 0)
            {
                nameIndex = dynamicNameIndex + HPackStaticTable.Count;
            }
        }

        if (index != 0 && indexing != HPackIndexing.NeverIndexed)
        {
            // RFC 7541 §6.1: 1xxxxxxx, 7-bit prefix.
            written = HPackInteger.Encode(index, 7, 0x80, destination);
            return written != 0;
        }

        // RFC 7541 §6.2: 01xxxxxx (6-bit prefix), 0000xxxx or 0001xxxx (4-bit prefix); index 0 = literal name follows.
        var (prefixBits, pattern) = indexing switch
        {
            HPackIndexing.Incremental => (6, (byte)0x40),
            HPackIndexing.NeverIndexed => (4, (byte)0x10),
            _ => (4, (byte)0x00),
        };

        var pos = HPackInteger.Encode(nameIndex, prefixBits, pattern, destination);
        if (pos == 0)
        {
            return false;
        }

        if (nameIndex == 0)
        {
            var nameLength = EncodeString(name, huffman, destination[pos..]);
            if (nameLength == 0)
            {
                return false;
            }

            pos += nameLength;
        }

        var valueLength = EncodeString(value, huffman, destination[pos..]);
        if (valueLength == 0)
        {
            return false;
        }

        written = pos + valueLength;
        if (indexing == HPackIndexing.Incremental)
        {
            _table.Insert(name, value);
        }

        return true;
    }

    public void Dispose() => _table.Dispose();

    /// <summary>
    /// String Literal (RFC 7541 §5.2). Huffman when asked for and not longer than raw (equal length is what the
    /// RFC examples choose, and what peers expect). Returns the bytes written, 0 when they do not fit.
    /// </summary>
    private static int EncodeString(ReadOnlySpan<byte> value, bool huffman, Span<byte> destination)
    {
        var huffmanLength = huffman ? HPackHuffman.GetEncodedLength(value) : int.MaxValue;
        if (huffmanLength <= value.Length)
        {
            var prefix = HPackInteger.Encode(huffmanLength, 7, 0x80, destination);
            if (prefix == 0 || destination.Length - prefix < huffmanLength)
            {
                return 0;
            }

            HPackHuffman.Encode(value, destination[prefix..]);
            return prefix + huffmanLength;
        }

        var rawPrefix = HPackInteger.Encode(value.Length, 7, 0x00, destination);
        if (rawPrefix == 0 || destination.Length - rawPrefix < value.Length)
        {
            return 0;
        }

        value.CopyTo(destination[rawPrefix..]);
        return rawPrefix + value.Length;
    }
}
