using System.Buffers;

namespace FastProxy.Http.Http2;

/// <summary>
/// Joins a field block's HEADERS and CONTINUATION fragments for the HPACK decoder, which needs one contiguous span.
/// The buffer is pooled, rented on the first fragment that needs it and returned by <see cref="Reset"/>; its size is
/// bounded by <see cref="Http2FrameReader.MaxFieldBlockSize"/>, which the reader enforces before a fragment arrives
/// here. A block that came whole in one HEADERS frame and one segment needs no copy: decode
/// <see cref="ReadOnlySequence{T}.FirstSpan"/> directly (see <see cref="TryGetSingleSpan"/>).
/// </summary>
public sealed class Http2FieldBlockBuffer : IDisposable
{
    /// <summary>First rental: a typical request block (a bearer token and a dozen fields) fits in 4 KiB.</summary>
    private const int InitialSize = 4096;

    private byte[] _buffer = [];
    private int _length;

    /// <summary>The joined block so far.</summary>
    public ReadOnlySpan<byte> Block => _buffer.AsSpan(0, _length);

    /// <summary>True (with the span) when a complete block can be decoded in place, without joining.</summary>
    public static bool TryGetSingleSpan(in Http2Frame headers, out ReadOnlySpan<byte> block)
    {
        block = headers.Payload.FirstSpan;
        return headers.EndHeaders && headers.Payload.IsSingleSegment;
    }

    public void Append(in ReadOnlySequence<byte> fragment)
    {
        var needed = _length + (int)fragment.Length;
        if (needed > _buffer.Length)
        {
            Grow(needed);
        }

        fragment.CopyTo(_buffer.AsSpan(_length));
        _length = needed;
    }

    /// <summary>Forgets the block and returns the buffer to the pool (between blocks, so idle streams hold none).</summary>
    public void Reset()
    {
        _length = 0;
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => Reset();

    private void Grow(int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(InitialSize, _buffer.Length * 2)));
        Block.CopyTo(bigger);
        var old = _buffer;
        _buffer = bigger;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
