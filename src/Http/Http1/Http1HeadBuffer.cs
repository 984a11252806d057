using System.Buffers;

namespace FastProxy.Http.Http1;

/// <summary>
/// The bytes of one parsed head, copied into an array rented from <see cref="ArrayPool{T}.Shared"/>, and the
/// offsets of its field lines. Shared by <see cref="Http1RequestHead"/> and <see cref="Http1ResponseHead"/> so
/// spans handed out stay valid after the caller advances its PipeReader. <see cref="Release"/> keeps an array of a
/// typical size for the head's next use (heads are pooled; an idle connection holds none) and returns a larger one.
/// </summary>
internal sealed class Http1HeadBuffer
{
    // 16 entries cover a typical browser request (10-20 fields) without growing; grown by doubling up to the limit
    // and then kept for the life of the head object.
    private const int InitialEntryCapacity = 16;

    /// <summary>
    /// The largest array <see cref="Release"/> keeps. Heads are pooled objects (a connection holds one only while a request
    /// is in progress), so keeping a typical head's array with it costs an idle connection nothing, and spares a trip
    /// through ArrayPool.Shared whose per-core caches miss (and allocate) whenever more requests are in flight than they hold.
    /// </summary>
    private const int KeptArrayBytes = 4096;

    private byte[]? _bytes;
    private HeaderEntry[] _entries = new HeaderEntry[InitialEntryCapacity];
    private int _count;

    /// <summary>The options the head's Connection fields list, parsed with the fields.</summary>
    public ConnectionOptions ConnectionOptions { get; } = new();

    // Phase-1 progress kept between Incomplete calls (a few integers; no buffer is held while waiting).
    private HeadScanner _pendingScan;
    private long _pendingScanned;
    private object? _pendingStartObject;
    private int _pendingStartIndex;

    public int HeaderCount => _count;

    /// <summary>
    /// Resumes the scan an earlier Incomplete call left when <paramref name="buffer"/> is that same buffer grown (same
    /// start segment and index, at least as long, which is what a PipeReader returns after AdvanceTo(start, end));
    /// otherwise starts <paramref name="fresh"/>. Phase 3 re-validates the line structure, so a wrongly resumed scan
    /// can cost an error but never produce a wrong head.
    /// </summary>
    public HeadScanner ResumeScan(in HeadScanner fresh, in ReadOnlySequence<byte> buffer, out long from)
    {
        var start = buffer.Start;
        if (_pendingScanned > 0 && buffer.Length >= _pendingScanned
            && ReferenceEquals(start.GetObject(), _pendingStartObject) && start.GetInteger() == _pendingStartIndex)
        {
            from = _pendingScanned;
            return _pendingScan;
        }

        from = 0;
        return fresh;
    }

    public void SavePendingScan(in HeadScanner scanner, in ReadOnlySequence<byte> buffer)
    {
        _pendingScan = scanner;
        _pendingScanned = buffer.Length;
        _pendingStartObject = buffer.Start.GetObject();
        _pendingStartIndex = buffer.Start.GetInteger();
    }

    public void ClearPendingScan()
    {
        if (_pendingScanned == 0)
        {
            return;
        }

        _pendingScan = default;
        _pendingScanned = 0;
        _pendingStartObject = null;
        _pendingStartIndex = 0;
    }

    /// <summary>Copies the head bytes in, reusing the rented array when it is big enough; clears the field list.</summary>
    public Span<byte> Prepare(int length)
    {
        if (_bytes is null || _bytes.Length < length)
        {
            if (_bytes is not null)
            {
                ArrayPool<byte>.Shared.Return(_bytes);
            }

            // Rent at least 1 KiB so small heads share one pool bucket.
            _bytes = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1024));
        }

        _count = 0;
        ConnectionOptions.Clear();
        return _bytes.AsSpan(0, length);
    }

    public void Add(in HeaderEntry entry)
    {
        if (_count == _entries.Length)
        {
            Grow();
        }

        _entries[_count++] = entry;
    }

    public ref readonly HeaderEntry Entry(int index) => ref _entries.AsSpan(0, _count)[index];

    public ReadOnlySpan<byte> Slice(int start, int length) => _bytes.AsSpan(start, length);

    /// <summary>Writable view for in-place normalisation (the bytes are this head's own copy).</summary>
    public Span<byte> WritableSlice(int start, int length) => _bytes.AsSpan(start, length);

    public ReadOnlySpan<byte> GetName(int index)
    {
        ref readonly var e = ref Entry(index);
        return _bytes.AsSpan(e.NameStart, e.NameLength);
    }

    public ReadOnlySpan<byte> GetValue(int index)
    {
        ref readonly var e = ref Entry(index);
        return _bytes.AsSpan(e.ValueStart, e.ValueLength);
    }

    public KnownHeader GetKnown(int index) => Entry(index).Known;

    /// <summary>The first field named <paramref name="name"/>; with <paramref name="foldUnderscores"/> a received '_' also matches '-' (see <see cref="FieldNames"/>).</summary>
    public bool TryGetFirst(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, bool foldUnderscores = false)
    {
        var entries = _entries.AsSpan(0, _count);
        for (var i = 0; i < entries.Length; i++)
        {
            ref readonly var e = ref entries[i];
            if (e.NameLength == name.Length && FieldNames.Equal(_bytes.AsSpan(e.NameStart, e.NameLength), name, foldUnderscores))
            {
                value = _bytes.AsSpan(e.ValueStart, e.ValueLength);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>How many fields are named <paramref name="name"/>, compared as by <see cref="TryGetFirst"/>.</summary>
    public int Count(ReadOnlySpan<byte> name, bool foldUnderscores = false)
    {
        var count = 0;
        var entries = _entries.AsSpan(0, _count);
        for (var i = 0; i < entries.Length; i++)
        {
            ref readonly var e = ref entries[i];
            if (e.NameLength == name.Length && FieldNames.Equal(_bytes.AsSpan(e.NameStart, e.NameLength), name, foldUnderscores))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>True when a Connection field lists <paramref name="name"/> (recognised as <paramref name="known"/>): a hop-by-hop field.</summary>
    public bool IsNamedInConnection(ReadOnlySpan<byte> name, KnownHeader known) => ConnectionOptions.Names(_bytes, name, known);

    /// <summary>Forgets every field; returns the array when it is larger than <see cref="KeptArrayBytes"/>, else keeps it for the next head.</summary>
    public void Release()
    {
        if (_bytes is { Length: > KeptArrayBytes })
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = null;
        }

        _count = 0;
        ConnectionOptions.Clear();
        ClearPendingScan();
    }

    private void Grow() => Array.Resize(ref _entries, _entries.Length * 2);
}
