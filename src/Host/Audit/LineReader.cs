namespace FastProxy.Host.Audit;

/// <summary>Reads a file as `\n`-terminated byte lines (exact bytes: the hash is over them), with a line length cap.</summary>
internal sealed class LineReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly int _maxLine;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    public LineReader(string path, int maxLine)
    {
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        _maxLine = maxLine;
    }

    /// <summary>The next line without its `\n`; <paramref name="complete"/> is false for a last line with no `\n`. Valid until the next call.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line, out bool complete)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = _buffer.AsSpan(_start, newline);
                _start += newline + 1;
                complete = true;
                return true;
            }

            if (_eof)
            {
                complete = false;
                line = _buffer.AsSpan(_start, _end - _start);
                _start = _end;
                return !line.IsEmpty;
            }

            if (_end - _start > _maxLine)
            {
                throw new InvalidDataException($"line longer than {_maxLine} bytes");
            }

            Fill();
        }
    }

    public void Dispose() => _stream.Dispose();

    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}
