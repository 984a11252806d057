using System.Buffers;
using System.Runtime.InteropServices;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Http2.Streams;

/// <summary>
/// Decoded fields copied out of the HPACK decoder (whose spans live only during its callback) into one pooled byte
/// array, with the offsets of each name and value: a stream's request head, trailers or response fields. The array
/// and entry table are kept across uses of the (pooled) owner up to <see cref="KeptArrayBytes"/>, so steady-state
/// requests allocate nothing.
/// </summary>
internal sealed class Http2FieldList
{
    // 16 entries hold a typical request head; doubled when needed and then kept with the pooled stream.
    private const int InitialEntryCapacity = 16;

    // A typical head (a bearer token and a dozen fields) fits in 2 KiB; a larger array goes back to the pool on Clear.
    private const int InitialArrayBytes = 2048;
    private const int KeptArrayBytes = 8192;

    private byte[] _bytes = [];
    private Entry[] _entries = new Entry[InitialEntryCapacity];
    private int _length;
    private int _count;

    public int Count => _count;

    /// <summary>Bytes held (names and values), for size limits.</summary>
    public int ByteLength => _length;

    /// <summary>Appends one field; returns its index.</summary>
    public int Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var needed = _length + name.Length + value.Length;
        if (needed > _bytes.Length)
        {
            Grow(needed);
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        name.CopyTo(_bytes.AsSpan(_length));
        var valueStart = _length + name.Length;
        value.CopyTo(_bytes.AsSpan(valueStart));
        _entries[_count] = new Entry(_length, name.Length, value.Length);
        _length = needed;
        return _count++;
    }

    /// <summary>Appends one field with its name lowercased (response fields: RFC 9113 §8.2.1 wants lowercase on the wire).</summary>
    public void AddLowercased(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var index = Add(name, value);
        var entry = _entries[index];
        var stored = _bytes.AsSpan(entry.Start, entry.NameLength);
        for (var i = 0; i < stored.Length; i++)
        {
            var c = stored[i];
            if ((uint)(c - 'A') <= 'Z' - 'A')
            {
                stored[i] = (byte)(c | 0x20);
            }
        }
    }

    public ReadOnlySpan<byte> GetName(int index)
    {
        var entry = _entries.AsSpan(0, _count)[index];
        return _bytes.AsSpan(entry.Start, entry.NameLength);
    }

    public ReadOnlySpan<byte> GetValue(int index)
    {
        var entry = _entries.AsSpan(0, _count)[index];
        return _bytes.AsSpan(entry.Start + entry.NameLength, entry.ValueLength);
    }

    /// <summary>
    /// The first field named <paramref name="name"/>, from <paramref name="firstIndex"/> on, compared ASCII
    /// case-insensitively with a received '_' also matching '-' (as an HTTP/1.1 upstream will read it, see <see cref="FieldNames"/>).
    /// </summary>
    public bool TryGetFirst(int firstIndex, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        for (var i = firstIndex; i < _count; i++)
        {
            var entry = _entries[i];
            if (entry.NameLength == name.Length && FieldNames.Equal(_bytes.AsSpan(entry.Start, entry.NameLength), name, foldUnderscores: true))
            {
                value = _bytes.AsSpan(entry.Start + entry.NameLength, entry.ValueLength);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>How many fields from <paramref name="firstIndex"/> on are named <paramref name="name"/> (compared as by <see cref="TryGetFirst"/>).</summary>
    public int CountNamed(int firstIndex, ReadOnlySpan<byte> name)
    {
        var count = 0;
        for (var i = firstIndex; i < _count; i++)
        {
            var entry = _entries[i];
            if (entry.NameLength == name.Length && FieldNames.Equal(_bytes.AsSpan(entry.Start, entry.NameLength), name, foldUnderscores: true))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Forgets every field; keeps a typical-size array for the next use and returns a larger one.</summary>
    public void Clear()
    {
        _count = 0;
        _length = 0;
        if (_bytes.Length > KeptArrayBytes)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
        }
    }

    private void Grow(int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(InitialArrayBytes, _bytes.Length * 2)));
        _bytes.AsSpan(0, _length).CopyTo(bigger);
        var old = _bytes;
        _bytes = bigger;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }

    [StructLayout(LayoutKind.Auto)]
    private readonly record struct Entry(int Start, int NameLength, int ValueLength);
}
