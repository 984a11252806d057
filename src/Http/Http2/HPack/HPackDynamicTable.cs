using System.Buffers;

namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// The dynamic table (RFC 7541 §2.3.2, §4): a FIFO of fields, newest at index 1, sized by RFC 7541 §4.1's rule
/// (name + value + 32 per entry). Field bytes live back to back in one pooled buffer; when an insert would run off
/// its end, the live bytes move to the front, or to a buffer twice as large while the live bytes fill more than half
/// of it (up to twice the largest size the table may have). So each entry stays contiguous, the copying averages out
/// to under one byte moved per byte inserted, and the buffer is only as large as what the peer actually indexes.
/// Entry bookkeeping is a ring of (offset, name length, value length) in one pooled int array that grows the same
/// way. Both are rented on the first insert, not at construction: a connection whose peer never indexes a field
/// holds neither, and one that indexes a typical request's few hundred bytes holds about a kilobyte, not the 2 x
/// SETTINGS_HEADER_TABLE_SIZE a full table needs.
/// </summary>
public sealed class HPackDynamicTable : IDisposable
{
    /// <summary>RFC 7541 §4.1: "The size of an entry is the sum of its name's length in octets ..., its value's
    /// length in octets, and 32."</summary>
    public const int EntryOverhead = 32;

    private const int SlotInts = 3;

    // First buffers: a typical request's indexed fields (method, path, authority, user agent, accept) fit.
    private const int InitialBytes = 512;
    private const int InitialSlots = 16;

    private byte[] _bytes = [];
    private int[] _slots = [];
    private readonly int _maxBytes;
    private readonly int _maxSlots;
    private int _ringLength;
    private bool _disposed;
    private int _oldest;
    private int _end;

    /// <param name="capacity">The largest size the table may ever be set to (the SETTINGS_HEADER_TABLE_SIZE we advertise, for a decoder).</param>
    public HPackDynamicTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        MaxSize = capacity;
        _maxBytes = Math.Max(1, capacity * 2);

        // Every entry costs at least 32, so no more than capacity / 32 fit at once.
        _maxSlots = Math.Max(1, capacity / EntryOverhead);
    }

    public int Capacity { get; }

    /// <summary>The size limit in force (RFC 7541 §4.2), at most <see cref="Capacity"/>.</summary>
    public int MaxSize { get; private set; }

    /// <summary>The table's size by RFC 7541 §4.1.</summary>
    public int Size { get; private set; }

    public int Count { get; private set; }

    /// <summary>Entry <paramref name="index"/>, 1 being the newest. The spans are valid until the next insert.</summary>
    public void Get(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var slot = SlotOf(index) * SlotInts;
        var offset = _slots[slot];
        var nameLength = _slots[slot + 1];
        name = _bytes.AsSpan(offset, nameLength);
        value = _bytes.AsSpan(offset + nameLength, _slots[slot + 2]);
    }

    /// <summary>
    /// Adds a field, evicting the oldest entries to make room (RFC 7541 §4.4). A field larger than the table empties
    /// it and is not added. <paramref name="name"/> and <paramref name="value"/> must not point into this table.
    /// </summary>
    public void Insert(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var entrySize = name.Length + value.Length + EntryOverhead;
        if (entrySize > MaxSize)
        {
            // RFC 7541 §4.4: "an attempt to add an entry larger than the maximum size causes the table to be emptied"
            Clear();
            return;
        }

        while (Size + entrySize > MaxSize)
        {
            EvictOldest();
        }

        if (_slots.Length == 0)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _bytes = ArrayPool<byte>.Shared.Rent(Math.Min(_maxBytes, InitialBytes));
            _slots = ArrayPool<int>.Shared.Rent(Math.Min(_maxSlots, InitialSlots) * SlotInts);
            _ringLength = _slots.Length / SlotInts;
        }

        if (Count == _ringLength)
        {
            GrowRing();
        }

        var length = name.Length + value.Length;
        if (_end + length > _bytes.Length)
        {
            MakeRoom(length);
        }

        var offset = _end;
        name.CopyTo(_bytes.AsSpan(offset));
        value.CopyTo(_bytes.AsSpan(offset + name.Length));
        _end += length;

        var slot = (_oldest + Count) % _ringLength * SlotInts;
        _slots[slot] = offset;
        _slots[slot + 1] = name.Length;
        _slots[slot + 2] = value.Length;
        Count++;
        Size += entrySize;
    }

    /// <summary>Applies a new size limit, evicting as needed (RFC 7541 §4.3). Callers check it against <see cref="Capacity"/>.</summary>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSize, Capacity);
        MaxSize = maxSize;
        while (Size > MaxSize)
        {
            EvictOldest();
        }
    }

    /// <summary>
    /// The newest entry with this name and value (returned), else the newest with this name (<paramref name="nameIndex"/>);
    /// 0 when none. Linear: tables hold a few dozen entries. For the encoder only.
    /// </summary>
    public int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out int nameIndex)
    {
        nameIndex = 0;
        for (var index = 1; index <= Count; index++)
        {
            // Most entries differ in name length: reject those on the slot's numbers before touching their bytes.
            var slot = SlotOf(index) * SlotInts;
            if (_slots[slot + 1] != name.Length)
            {
                continue;
            }

            Get(index, out var entryName, out var entryValue);
            if (!name.SequenceEqual(entryName))
            {
                continue;
            }

            if (nameIndex == 0)
            {
                nameIndex = index;
            }

            if (value.SequenceEqual(entryValue))
            {
                return index;
            }
        }

        return 0;
    }

    public void Clear()
    {
        Count = 0;
        Size = 0;
        _oldest = 0;
        _end = 0;
    }

    public void Dispose()
    {
        _disposed = true;
        var bytes = _bytes;
        var slots = _slots;
        _bytes = [];
        _slots = [];
        Count = 0;
        if (slots.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<int>.Shared.Return(slots);
        }
    }

    private int SlotOf(int index) => (_oldest + Count - index) % _ringLength;

    private void EvictOldest()
    {
        var slot = _oldest * SlotInts;
        Size -= _slots[slot + 1] + _slots[slot + 2] + EntryOverhead;
        _oldest = (_oldest + 1) % _ringLength;
        Count--;
        if (Count == 0)
        {
            _oldest = 0;
            _end = 0;
        }
    }

    /// <summary>
    /// Room for <paramref name="length"/> more bytes at the end: the live bytes (oldest entry to the end) move to the
    /// front of the buffer, or of a larger one while they would fill more than half of it. Once the buffer is twice
    /// the capacity, moving always makes room: the live bytes are at most one table's worth, the new entry too.
    /// </summary>
    private void MakeRoom(int length)
    {
        var start = Count == 0 ? _end : _slots[_oldest * SlotInts];
        var live = _end - start;
        var target = _bytes;
        if (_bytes.Length < _maxBytes && live + length > _bytes.Length / 2)
        {
            target = ArrayPool<byte>.Shared.Rent(Math.Min(_maxBytes, Math.Max(_bytes.Length * 2, (live + length) * 2)));
        }

        _bytes.AsSpan(start, live).CopyTo(target);
        if (!ReferenceEquals(target, _bytes))
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = target;
        }

        _end = live;
        for (var i = 0; i < Count; i++)
        {
            _slots[(_oldest + i) % _ringLength * SlotInts] -= start;
        }
    }

    /// <summary>A ring twice as long (at most one slot per 32 bytes of capacity), its entries oldest first from slot 0.</summary>
    private void GrowRing()
    {
        var next = ArrayPool<int>.Shared.Rent(Math.Min(_maxSlots, _ringLength * 2) * SlotInts);
        for (var i = 0; i < Count; i++)
        {
            _slots.AsSpan((_oldest + i) % _ringLength * SlotInts, SlotInts).CopyTo(next.AsSpan(i * SlotInts));
        }

        ArrayPool<int>.Shared.Return(_slots);
        _slots = next;
        _ringLength = next.Length / SlotInts;
        _oldest = 0;
    }
}
