using System.Buffers;

namespace FastProxy.Http.Http2.HPack;

/// <summary>
/// The dynamic table (RFC 7541 §2.3.2, §4): a FIFO of fields, newest at index 1, sized by RFC 7541 §4.1's rule
/// (name + value + 32 per entry). Field bytes live back to back in one pooled buffer of twice the largest size the
/// table may have; when an insert would run off its end, the live bytes (at most one table's worth) move to the
/// front. So each entry stays contiguous, and the copying averages out to under one byte moved per byte inserted.
/// Entry bookkeeping is a ring of (offset, name length, value length) in one pooled int array. Both are rented on the
/// first insert, not at construction: a connection whose peer never indexes a field (most idle ones) holds neither.
/// </summary>
public sealed class HPackDynamicTable : IDisposable
{
    /// <summary>RFC 7541 §4.1: "The size of an entry is the sum of its name's length in octets ..., its value's
    /// length in octets, and 32."</summary>
    public const int EntryOverhead = 32;

    private const int SlotInts = 3;

    private byte[] _bytes = [];
    private int[] _slots = [];
    private readonly int _slotCapacity;
    private bool _disposed;
    private int _oldest;
    private int _end;

    /// <param name="capacity">The largest size the table may ever be set to (the SETTINGS_HEADER_TABLE_SIZE we advertise, for a decoder).</param>
    public HPackDynamicTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        MaxSize = capacity;

        // Every entry costs at least 32, so no more than capacity / 32 fit at once.
        _slotCapacity = Math.Max(1, capacity / EntryOverhead);
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
            _bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, Capacity * 2));
            _slots = ArrayPool<int>.Shared.Rent(_slotCapacity * SlotInts);
        }

        var length = name.Length + value.Length;
        if (_end + length > _bytes.Length)
        {
            Compact();
        }

        var offset = _end;
        name.CopyTo(_bytes.AsSpan(offset));
        value.CopyTo(_bytes.AsSpan(offset + name.Length));
        _end += length;

        var slot = (_oldest + Count) % _slotCapacity * SlotInts;
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

    private int SlotOf(int index) => (_oldest + Count - index) % _slotCapacity;

    private void EvictOldest()
    {
        var slot = _oldest * SlotInts;
        Size -= _slots[slot + 1] + _slots[slot + 2] + EntryOverhead;
        _oldest = (_oldest + 1) % _slotCapacity;
        Count--;
        if (Count == 0)
        {
            _oldest = 0;
            _end = 0;
        }
    }

    /// <summary>Moves the live bytes (oldest entry to the end) to the front of the buffer.</summary>
    private void Compact()
    {
        if (Count == 0)
        {
            _end = 0;
            return;
        }

        var start = _slots[_oldest * SlotInts];
        _bytes.AsSpan(start, _end - start).CopyTo(_bytes);
        _end -= start;
        for (var i = 0; i < Count; i++)
        {
            _slots[(_oldest + i) % _slotCapacity * SlotInts] -= start;
        }
    }
}
