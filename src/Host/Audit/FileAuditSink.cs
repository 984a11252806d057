using System.Globalization;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Audit;

/// <summary>
/// The file sink: appends to the active file (`fastproxy-audit.jsonl`), rotates it by size to
/// `fastproxy-audit.NNNNNN.jsonl` (NNNNNN = the closed file's `file_seq`, so names sort in chain order)
/// and keeps at most `max_files` files. Bytes of a write that failed half-way are cut off before the
/// next attempt, so a retried batch never leaves a torn line behind.
/// </summary>
internal sealed class FileAuditSink : IAuditSink
{
    /// <summary>How far back from the end <see cref="Open"/> looks for the last record: over the largest record (capped fields, escaped as \uXXXX: under 100 KiB).</summary>
    private const int TailBytes = 256 * 1024;

    private readonly string _path;
    private readonly string _directory;
    private readonly string _stem;
    private readonly string _extension;
    private readonly int _maxFiles;
    private readonly ILogger _logger;
    private FileStream? _stream;

    /// <summary>Bytes of the active file that hold whole, successfully written lines.</summary>
    private long _goodLength;

    public FileAuditSink(string path, long maxFileBytes, int maxFiles, ILogger logger)
    {
        _path = System.IO.Path.GetFullPath(path);
        _directory = System.IO.Path.GetDirectoryName(_path)!;
        _stem = System.IO.Path.GetFileNameWithoutExtension(_path);
        _extension = System.IO.Path.GetExtension(_path);
        MaxFileBytes = maxFileBytes;
        _maxFiles = maxFiles;
        _logger = logger;
    }

    public string Name => _path;

    public long MaxFileBytes { get; }

    public void Open(AuditChainState chain)
    {
        Directory.CreateDirectory(_directory);
        _stream?.Dispose();
        _stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        var length = _stream.Length;
        if (length > 0 && TryReadLastRecord(_stream, out var lastLineEnd, out var fileSeq, out var seq, out var hash))
        {
            if (lastLineEnd < length)
            {
                // A torn last line (the process died inside a write): it was never a whole record.
                AuditLog.TornTailCut(_logger, _path, length - lastLineEnd);
                _stream.SetLength(lastLineEnd);
            }

            chain.FileSeq = fileSeq;
            chain.Seq = seq;
            chain.FileBytes = lastLineEnd;
            hash.CopyTo(chain.PrevHash, 0);
            _goodLength = lastLineEnd;
        }
        else
        {
            if (length > 0)
            {
                // Not ours or damaged: keep it for inspection under a name outside the rotation scheme.
                _stream.Dispose();
                _stream = null;
                var damaged = System.IO.Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"{_stem}.damaged-{Environment.TickCount64}{_extension}"));
                File.Move(_path, damaged);
                AuditLog.DamagedFileSetAside(_logger, _path, damaged);
                _stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
            }

            ContinueFromRotated(chain);
            _goodLength = 0;
        }

        _stream.Seek(_goodLength, SeekOrigin.Begin);
    }

    public void Write(ReadOnlySpan<byte> lines)
    {
        try
        {
            if (_stream is null)
            {
                Directory.CreateDirectory(_directory);
                _stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
                if (_stream.Length > _goodLength)
                {
                    _stream.SetLength(_goodLength);
                }

                _goodLength = _stream.Length;
                _stream.Seek(_goodLength, SeekOrigin.Begin);
            }

            _stream.Write(lines);
            _stream.Flush();
            _goodLength += lines.Length;
        }
        catch
        {
            // Reopen (and cut the torn bytes) on the next attempt.
            _stream?.Dispose();
            _stream = null;
            throw;
        }
    }

    public void Rotate(long closedFileSeq)
    {
        _stream?.Dispose();
        _stream = null;
        if (File.Exists(_path))
        {
            File.Move(_path, RotatedPath(closedFileSeq));
        }

        _goodLength = 0;
        ApplyRetention();
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }

    internal string RotatedPath(long fileSeq) =>
        System.IO.Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"{_stem}.{fileSeq:D6}{_extension}"));

    /// <summary>Rotated files of this trail, oldest first.</summary>
    internal List<(long FileSeq, string Path)> RotatedFiles()
    {
        var files = new List<(long, string)>();
        if (!Directory.Exists(_directory))
        {
            return files;
        }

        foreach (var file in Directory.EnumerateFiles(_directory, _stem + ".*" + _extension))
        {
            var name = System.IO.Path.GetFileName(file);
            var middle = name.AsSpan(_stem.Length + 1, name.Length - _stem.Length - 1 - _extension.Length);
            if (middle.Length >= 6 && long.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var fileSeq))
            {
                files.Add((fileSeq, file));
            }
        }

        files.Sort(static (a, b) => a.Item1.CompareTo(b.Item1));
        return files;
    }

    private void ApplyRetention()
    {
        var rotated = RotatedFiles();

        // max_files counts the active file too.
        for (var i = 0; i < rotated.Count - (_maxFiles - 1); i++)
        {
            try
            {
                File.Delete(rotated[i].Path);
            }
            catch (IOException e)
            {
                AuditLog.RetentionFailed(_logger, rotated[i].Path, e.Message);
            }
            catch (UnauthorizedAccessException e)
            {
                AuditLog.RetentionFailed(_logger, rotated[i].Path, e.Message);
            }
        }
    }

    /// <summary>No usable active file: the chain continues from the newest rotated file, or starts at genesis.</summary>
    private void ContinueFromRotated(AuditChainState chain)
    {
        var rotated = RotatedFiles();
        for (var i = rotated.Count - 1; i >= 0; i--)
        {
            using var stream = new FileStream(rotated[i].Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (TryReadLastRecord(stream, out _, out var fileSeq, out _, out var hash))
            {
                chain.FileSeq = fileSeq + 1;
                chain.Seq = 0;
                chain.FileBytes = 0;
                hash.CopyTo(chain.PrevHash, 0);
                return;
            }
        }

        chain.FileSeq = rotated.Count > 0 ? rotated[^1].FileSeq + 1 : 0;
        chain.Seq = 0;
        chain.FileBytes = 0;
        Array.Clear(chain.PrevHash);
    }

    /// <summary>Finds the last whole line of <paramref name="stream"/> and reads its chain fields.</summary>
    private static bool TryReadLastRecord(FileStream stream, out long lineEnd, out long fileSeq, out long seq, out byte[] hash)
    {
        lineEnd = 0;
        fileSeq = 0;
        seq = 0;
        hash = [];
        var length = stream.Length;
        var start = Math.Max(0, length - TailBytes);
        var buffer = new byte[length - start];
        stream.Seek(start, SeekOrigin.Begin);
        stream.ReadExactly(buffer);
        var lastNewline = Array.LastIndexOf(buffer, (byte)'\n');
        if (lastNewline < 0)
        {
            return false;
        }

        var lineStart = lastNewline == 0 ? -1 : Array.LastIndexOf(buffer, (byte)'\n', lastNewline - 1);
        if (lineStart < 0 && start > 0)
        {
            return false;
        }

        // Schema 1 or 2: a trail written by an older proxy continues (its last record's hash chains the next one).
        var line = buffer.AsSpan(lineStart + 1, lastNewline - lineStart - 1);
        if (!AuditRecordReader.TryReadChainFields(line, out var record))
        {
            return false;
        }

        fileSeq = record.FileSeq;
        seq = record.Seq;
        hash = record.Hash;

        lineEnd = start + lastNewline + 1;
        return true;
    }
}
