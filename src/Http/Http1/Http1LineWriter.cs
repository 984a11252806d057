using System.Buffers;
using System.Buffers.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Http.Http1;

/// <summary>
/// Writes an HTTP/1.1 head (start line and field lines, RFC 9112 §2.1) into the output's buffer with plain copies,
/// asking the output for memory only when its buffer is full, and telling it what was written once, in
/// <see cref="Commit"/>. Written through <see cref="IBufferWriter{T}"/> piece by piece, the heads of a proxied request
/// (some seventy pieces, two interface calls and a buffer check each) cost about a tenth of the proxy's user-space
/// instructions per request (callgrind, bench/load/instructions-ab.sh).
/// </summary>
/// <remarks>
/// Nothing may be written to the output between the constructor and <see cref="Commit"/> other than through this
/// writer: it holds a span of the output's buffer that a direct write would fill too. A head abandoned by an exception
/// is simply never committed.
/// </remarks>
internal ref struct Http1LineWriter : IHeaderSink
{
    // Enough for any number this writer formats (a long in decimal is at most 20 characters).
    private const int NumberSpace = 20;

    // What a refill asks for when a piece did not fit: most heads fit in one such buffer.
    private const int RefillSize = 4096;

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _buffer;
    private int _written;

    public Http1LineWriter(IBufferWriter<byte> output)
    {
        _output = output;
        _buffer = output.GetSpan();
    }

    /// <summary>Appends <paramref name="bytes"/>.</summary>
    public void Write(scoped ReadOnlySpan<byte> bytes)
    {
        if (bytes.TryCopyTo(_buffer[_written..]))
        {
            _written += bytes.Length;
            return;
        }

        WriteAcrossBuffers(bytes);
    }

    /// <summary>Appends "<paramref name="name"/>: <paramref name="value"/>\r\n".</summary>
    public void Add(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
    {
        var length = name.Length + value.Length + 4;
        if (length > _buffer.Length - _written)
        {
            Write(name);
            Write(": "u8);
            Write(value);
            Write("\r\n"u8);
            return;
        }

        var line = _buffer.Slice(_written, length);
        name.CopyTo(line);
        line[name.Length] = (byte)':';
        line[name.Length + 1] = (byte)' ';
        value.CopyTo(line[(name.Length + 2)..]);
        line[^2] = (byte)'\r';
        line[^1] = (byte)'\n';
        _written += length;
    }

    /// <summary>Appends <paramref name="value"/> in decimal.</summary>
    public void WriteNumber(long value)
    {
        if (_buffer.Length - _written < NumberSpace)
        {
            Refill(NumberSpace);
        }

        Utf8Formatter.TryFormat(value, _buffer[_written..], out var digits);
        _written += digits;
    }

    /// <summary>Tells the output how much was written. The head is not in the output before this call.</summary>
    public void Commit()
    {
        _output.Advance(_written);
        _written = 0;
        _buffer = default;
    }

    private void WriteAcrossBuffers(scoped ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            var room = _buffer.Length - _written;
            var part = Math.Min(room, bytes.Length);
            bytes[..part].CopyTo(_buffer[_written..]);
            _written += part;
            bytes = bytes[part..];
            if (bytes.IsEmpty)
            {
                return;
            }

            Refill(Math.Min(bytes.Length, RefillSize));
        }
    }

    private void Refill(int sizeHint)
    {
        _output.Advance(_written);
        _written = 0;
        _buffer = _output.GetSpan(sizeHint);
    }
}
