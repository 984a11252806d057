using System.Buffers;

namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// Decodes complete field blocks (RFC 7541 §6) and hands each field to an <see cref="IHeaderHandler"/>. One decoder
/// per connection: the dynamic table carries over from block to block. Limits are enforced as decoding goes, not
/// after: the decoded header list size (name + value + 32 per field, RFC 9113 §6.5.2) is checked before each field
/// is emitted and bounds how far a Huffman string may decode, so an HPACK bomb stops at the limit.
/// Raw strings are handed over as slices of the block; Huffman strings are decoded into one pooled scratch buffer
/// sized by the header list limit, rented for the block and returned after it. Nothing is allocated per block.
/// </summary>
public sealed class HPackDecoder : IDisposable
{
    /// <summary>Our SETTINGS_MAX_HEADER_LIST_SIZE by default: 16 KiB of decoded fields, the same order as the HTTP/1.1 head limit.</summary>
    public const int DefaultMaxHeaderListSize = 16 * 1024;

    // Representation patterns, RFC 7541 §6 (high bits of a representation's first byte).
    private const byte IndexedMask = 0x80;            // 1xxxxxxx: Indexed Header Field (§6.1)
    private const byte IncrementalMask = 0xC0;        // 01xxxxxx: Literal with Incremental Indexing (§6.2.1)
    private const byte IncrementalPattern = 0x40;
    private const byte SizeUpdateMask = 0xE0;         // 001xxxxx: Dynamic Table Size Update (§6.3)
    private const byte SizeUpdatePattern = 0x20;
    private const byte HuffmanFlag = 0x80;            // H bit of a string literal (§5.2)

    private readonly HPackDynamicTable _table;
    private readonly int _maxHeaderListSize;
    private byte[] _scratch;
    private bool _sizeUpdateRequired;

    /// <param name="maxTableSize">The SETTINGS_HEADER_TABLE_SIZE we advertise: the largest table the peer may ask for.</param>
    /// <param name="maxHeaderListSize">The SETTINGS_MAX_HEADER_LIST_SIZE we enforce on each block's decoded fields.</param>
    public HPackDecoder(int maxTableSize = (int)Http2Settings.DefaultHeaderTableSize, int maxHeaderListSize = DefaultMaxHeaderListSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxHeaderListSize);
        _table = new HPackDynamicTable(maxTableSize);
        _maxHeaderListSize = maxHeaderListSize;
        MaxAllowedTableSize = maxTableSize;
        _scratch = [];
    }

    /// <summary>
    /// The largest dynamic table size update the peer may send: SETTINGS_HEADER_TABLE_SIZE as we last acknowledged it
    /// (RFC 7541 §6.3: above it "MUST be treated as a decoding error"). Never above the constructor's size.
    /// </summary>
    public int MaxAllowedTableSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _table.Capacity);
            field = value;

            // RFC 7541 §4.2: after a reduction the peer's encoder must shrink its table and say so first thing.
            _sizeUpdateRequired = value < _table.MaxSize;
        }
    }

    /// <summary>The dynamic table, for tests and diagnostics.</summary>
    public HPackDynamicTable DynamicTable => _table;

    /// <summary>
    /// Decodes one complete field block (HEADERS and its CONTINUATIONs joined). On an error the handler may have seen
    /// some fields and the table may be part-updated: the connection must end (RFC 9113 §4.3: COMPRESSION_ERROR).
    /// </summary>
    public HPackError Decode<THandler>(ReadOnlySpan<byte> block, ref THandler handler)
        where THandler : IHeaderHandler
    {
        // The scratch is rented for the block only: a connection keeps its decoder (the dynamic table) for its whole
        // life, and an idle one should not hold a header-list-sized buffer too. Spans into it live only during the
        // handler's callback, so returning it afterwards is safe.
        _scratch = ArrayPool<byte>.Shared.Rent(Math.Max(1, _maxHeaderListSize));
        try
        {
            return DecodeBlock(block, ref handler);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = [];
        }
    }

    private HPackError DecodeBlock<THandler>(ReadOnlySpan<byte> block, ref THandler handler)
        where THandler : IHeaderHandler
    {
        var pos = 0;
        var listSize = 0;
        var sawField = false;
        if (_sizeUpdateRequired && (block.IsEmpty || (block[0] & SizeUpdateMask) != SizeUpdatePattern))
        {
            return HPackError.TableSizeUpdateMissing;
        }

        while (pos < block.Length)
        {
            var first = block[pos];
            HPackError error;
            if ((first & IndexedMask) != 0)
            {
                error = DecodeIndexed(block, ref pos, ref listSize, ref handler);
            }
            else if ((first & SizeUpdateMask) == SizeUpdatePattern)
            {
                // RFC 9113 §4.3.1 / RFC 7541 §4.2: a size update "MUST occur at the beginning of the first field block
                // following the change"; after a field it is a decoding error.
                error = sawField ? HPackError.TableSizeUpdateNotAtStart : DecodeSizeUpdate(block, ref pos);
                sawField = false;
                if (error == HPackError.None)
                {
                    continue;
                }
            }
            else
            {
                var incremental = (first & IncrementalMask) == IncrementalPattern;
                error = DecodeLiteral(block, ref pos, incremental ? 6 : 4, incremental, ref listSize, ref handler);
            }

            if (error != HPackError.None)
            {
                return error;
            }

            sawField = true;
        }

        return HPackError.None;
    }

    public void Dispose()
    {
        _table.Dispose();
        var scratch = _scratch;
        _scratch = [];
        if (scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private HPackError DecodeIndexed<THandler>(ReadOnlySpan<byte> block, ref int pos, ref int listSize, ref THandler handler)
        where THandler : IHeaderHandler
    {
        var error = HPackInteger.TryDecode(block, ref pos, 7, out var index);
        if (error == HPackError.None)
        {
            error = Lookup(index, out var name, out var value);
            if (error == HPackError.None)
            {
                error = Emit(name, value, ref listSize, ref handler);
            }
        }

        return error;
    }

    private HPackError DecodeSizeUpdate(ReadOnlySpan<byte> block, ref int pos)
    {
        var error = HPackInteger.TryDecode(block, ref pos, 5, out var size);
        if (error != HPackError.None)
        {
            return error;
        }

        // RFC 7541 §6.3: "The new maximum size MUST be lower than or equal to the limit determined by the protocol
        // using HPACK. A value that exceeds this limit MUST be treated as a decoding error."
        if (size > MaxAllowedTableSize)
        {
            return HPackError.TableSizeUpdateTooLarge;
        }

        _table.SetMaxSize(size);
        _sizeUpdateRequired = false;
        return HPackError.None;
    }

    /// <summary>Literal Header Field with Incremental Indexing (§6.2.1), without Indexing (§6.2.2) or Never Indexed (§6.2.3).</summary>
    private HPackError DecodeLiteral<THandler>(ReadOnlySpan<byte> block, ref int pos, int prefixBits, bool incremental, ref int listSize, ref THandler handler)
        where THandler : IHeaderHandler
    {
        var error = HPackInteger.TryDecode(block, ref pos, prefixBits, out var nameIndex);
        if (error != HPackError.None)
        {
            return error;
        }

        // Scratch holds a Huffman-decoded name and then a Huffman-decoded value, and never more than the list budget.
        var budget = _maxHeaderListSize - listSize - HPackDynamicTable.EntryOverhead;
        if (budget < 0)
        {
            return HPackError.HeaderListTooLarge;
        }

        var scratch = _scratch.AsSpan(0, budget);
        ReadOnlySpan<byte> name;
        if (nameIndex == 0)
        {
            error = ReadString(block, ref pos, scratch, out name);
        }
        else
        {
            error = Lookup(nameIndex, out name, out _);
            if (error == HPackError.None && incremental && nameIndex > HPackStaticTable.Count)
            {
                // The insert below may evict or move the entry this name points into: copy it out first.
                if (name.Length > scratch.Length)
                {
                    return HPackError.HeaderListTooLarge;
                }

                name.CopyTo(scratch);
                name = scratch[..name.Length];
            }
        }

        if (error != HPackError.None)
        {
            return error;
        }

        var used = name.Overlaps(scratch) ? name.Length : 0;
        error = ReadString(block, ref pos, scratch[used..], out var value);
        if (error != HPackError.None)
        {
            return error;
        }

        error = Emit(name, value, ref listSize, ref handler);
        if (error == HPackError.None && incremental)
        {
            _table.Insert(name, value);
        }

        return error;
    }

    /// <summary>String Literal Representation (RFC 7541 §5.2): raw strings are sliced, Huffman strings decoded into <paramref name="scratch"/>.</summary>
    private static HPackError ReadString(ReadOnlySpan<byte> block, scoped ref int pos, Span<byte> scratch, out ReadOnlySpan<byte> value)
    {
        value = default;
        if ((uint)pos >= (uint)block.Length)
        {
            return HPackError.Truncated;
        }

        var huffman = (block[pos] & HuffmanFlag) != 0;
        var error = HPackInteger.TryDecode(block, ref pos, 7, out var length);
        if (error != HPackError.None)
        {
            return error;
        }

        if (length > block.Length - pos)
        {
            return HPackError.Truncated;
        }

        var encoded = block.Slice(pos, length);
        pos += length;
        if (!huffman)
        {
            if (length > scratch.Length)
            {
                // Over the list budget already: refuse now rather than after emitting.
                return HPackError.HeaderListTooLarge;
            }

            value = encoded;
            return HPackError.None;
        }

        var written = HPackHuffman.Decode(encoded, scratch);
        if (written < 0)
        {
            return written == -2 ? HPackError.HeaderListTooLarge : HPackError.BadHuffman;
        }

        value = scratch[..written];
        return HPackError.None;
    }

    private HPackError Lookup(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = default;
        value = default;

        // RFC 7541 §6.1: "The index value of 0 is not used. It MUST be treated as a decoding error".
        if (index == 0)
        {
            return HPackError.IndexZero;
        }

        if (index <= HPackStaticTable.Count)
        {
            HPackStaticTable.Get(index, out name, out value);
            return HPackError.None;
        }

        // RFC 7541 §2.3.3: "Indices strictly greater than the sum of the lengths of both tables MUST be treated as a
        // decoding error."
        var dynamicIndex = index - HPackStaticTable.Count;
        if (dynamicIndex > _table.Count)
        {
            return HPackError.IndexOutOfRange;
        }

        _table.Get(dynamicIndex, out name, out value);
        return HPackError.None;
    }

    private HPackError Emit<THandler>(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, ref int listSize, ref THandler handler)
        where THandler : IHeaderHandler
    {
        // RFC 9113 §6.5.2: the list size counts "the uncompressed size of each field line ... plus an overhead of 32
        // octets for each field line". Checked before the field is handed over.
        var size = name.Length + value.Length + HPackDynamicTable.EntryOverhead;
        if (size > _maxHeaderListSize - listSize)
        {
            return HPackError.HeaderListTooLarge;
        }

        listSize += size;
        handler.OnHeader(name, value);
        return HPackError.None;
    }
}
