using System.Security.Cryptography;

namespace FastProxy.Host.Audit;

/// <summary>
/// Checks an audit trail's hash chain (docs/audit.md) and names the first record that was altered,
/// removed or reordered. Files are given in chain order (oldest first, the active file last).
/// </summary>
public static class AuditVerifier
{
    /// <summary>A record line beyond this is not one the writer produced (records are capped well below it).</summary>
    private const int MaxLineBytes = 1024 * 1024;

    public static AuditVerifyResult Verify(IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            return new AuditVerifyResult { Problem = "no files given" };
        }

        if (CheckFileOrder(files) is { } orderProblem)
        {
            return orderProblem;
        }

        var state = new ChainCursor();
        for (var f = 0; f < files.Count; f++)
        {
            if (VerifyFile(files[f], f, state) is { } problem)
            {
                return problem with { Files = files.Count, Records = state.Records };
            }
        }

        return new AuditVerifyResult
        {
            Intact = true,
            Records = state.Records,
            Files = files.Count,
            Note = state.FirstFileSeq > 0
                ? $"the chain starts at file_seq {state.FirstFileSeq}: earlier files were rotated away or not given, so the first record's link to them is not checked"
                : null,
        };
    }

    /// <summary>Each file's first record says which file of the chain it is: they must be in ascending order.</summary>
    private static AuditVerifyResult? CheckFileOrder(IReadOnlyList<string> files)
    {
        var first = new List<(long FileSeq, string File)>();
        foreach (var file in files)
        {
            if (FirstFileSeq(file) is { } fileSeq)
            {
                first.Add((fileSeq, file));
            }
        }

        for (var i = 1; i < first.Count; i++)
        {
            if (first[i].FileSeq <= first[i - 1].FileSeq)
            {
                var sorted = first.OrderBy(static x => x.FileSeq).Select(static x => x.File);
                return new AuditVerifyResult
                {
                    Files = files.Count,
                    File = first[i].File,
                    Problem = $"files out of order: file_seq {first[i].FileSeq} given after file_seq {first[i - 1].FileSeq} ({first[i - 1].File}); chain order is: {string.Join(' ', sorted)}",
                };
            }
        }

        return null;
    }

    private static long? FirstFileSeq(string file)
    {
        try
        {
            using var lines = new LineReader(file, MaxLineBytes);
            if (lines.TryReadLine(out var line, out _) && AuditRecordReader.TryReadChainFields(line, out var record))
            {
                return record.FileSeq;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static AuditVerifyResult? VerifyFile(string file, int index, ChainCursor state)
    {
        LineReader lines;
        try
        {
            lines = new LineReader(file, MaxLineBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Bad(file, 0, $"cannot read: {e.Message}");
        }

        using (lines)
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            long lineNumber = 0;
            long fileSeqOfFile = -1;
            long lastSeq = 0;
            var hash = new byte[AuditFormat.HashBytes];
            while (true)
            {
                ReadOnlySpan<byte> line;
                bool complete;
                try
                {
                    if (!lines.TryReadLine(out line, out complete))
                    {
                        break;
                    }
                }
                catch (InvalidDataException e)
                {
                    return Bad(file, lineNumber + 1, $"record altered ({e.Message})");
                }
                catch (IOException e)
                {
                    return Bad(file, lineNumber + 1, $"cannot read: {e.Message}");
                }

                lineNumber++;
                if (!complete)
                {
                    return Bad(file, lineNumber, "record altered or torn (last line has no line end)");
                }

                if (!AuditRecordReader.TryReadChainFields(line, out var record, out var malformed))
                {
                    return Bad(file, lineNumber, $"record altered (not a well-formed audit record: {malformed})");
                }

                // The canonical form: the line without its final `,"hash":"…"` member (docs/audit.md).
                if (line.Length < AuditFormat.HashSuffixLength + 2 || !line[^AuditFormat.HashSuffixLength..].StartsWith(AuditFormat.HashMemberPrefix))
                {
                    return Bad(file, lineNumber, "record altered (hash is not the last member)");
                }

                var canonical = line[..^AuditFormat.HashSuffixLength];
                var fileSeq = record.FileSeq;
                var seq = record.Seq;

                // A record that names its prev (v1; v2 with seq 1) is checked against its own content first.
                if (record.Prev is { } prev && !HashMatches(sha, prev, canonical, record.Hash, hash))
                {
                    return Bad(file, lineNumber, "record altered (hash does not match its content)");
                }

                if (fileSeqOfFile < 0)
                {
                    fileSeqOfFile = fileSeq;
                    if (state.LastFileSeq is { } previousFile && fileSeq != previousFile + 1)
                    {
                        return Bad(file, lineNumber, $"removed or reordered (file_seq gap {previousFile} -> {fileSeq}: a whole file is missing)");
                    }

                    if (index == 0)
                    {
                        state.FirstFileSeq = fileSeq;
                    }
                }
                else if (fileSeq != fileSeqOfFile)
                {
                    return Bad(file, lineNumber, $"removed or reordered (file_seq {fileSeq} inside file_seq {fileSeqOfFile})");
                }

                if (seq != lastSeq + 1)
                {
                    return Bad(file, lineNumber, $"removed or reordered (seq gap {lastSeq} -> {seq})");
                }

                if (record.Prev is { } named)
                {
                    var expectedPrev = state.LastHash ?? (fileSeq == 0 ? new byte[AuditFormat.HashBytes] : null);
                    if (expectedPrev is not null && !expectedPrev.AsSpan().SequenceEqual(named))
                    {
                        return Bad(file, lineNumber, lineNumber == 1 && state.LastHash is not null
                            ? "chain broken (prev does not match the last hash of the previous file)"
                            : "chain broken (prev does not match the previous record's hash)");
                    }
                }
                else
                {
                    // v2 after a file's first record: prev is implied, the hash of the line before (checked
                    // just above: seq follows on, so that line is in this file and was accepted). The hash is
                    // where the link is checked, so a mismatch is either this record edited or the one
                    // before it edited with its hash recomputed: the hash cannot tell which.
                    if (lastSeq == 0 || state.LastHash is not { } implied)
                    {
                        return Bad(file, lineNumber, $"removed or reordered (seq gap {lastSeq} -> {seq})");
                    }

                    if (!HashMatches(sha, implied, canonical, record.Hash, hash))
                    {
                        return Bad(file, lineNumber, "record altered (hash does not match its content) or chain broken (the record before it was edited and its hash recomputed)");
                    }
                }

                state.LastHash = record.Hash;
                state.Records++;
                lastSeq = seq;
            }

            if (fileSeqOfFile >= 0)
            {
                state.LastFileSeq = fileSeqOfFile;
            }
        }

        return null;
    }

    /// <summary>SHA-256(prev || canonical || `}`) equals the claimed hash (docs/audit.md).</summary>
    private static bool HashMatches(IncrementalHash sha, ReadOnlySpan<byte> prev, ReadOnlySpan<byte> canonicalWithoutBrace, byte[] claimed, byte[] scratch)
    {
        sha.AppendData(prev);
        sha.AppendData(canonicalWithoutBrace);
        sha.AppendData("}"u8);
        _ = sha.GetHashAndReset(scratch);
        return CryptographicOperations.FixedTimeEquals(scratch, claimed);
    }

    private static AuditVerifyResult Bad(string file, long line, string problem) => new() { File = file, Line = line, Problem = problem };

    /// <summary>Where the chain stands between records and files.</summary>
    private sealed class ChainCursor
    {
        public byte[]? LastHash { get; set; }

        public long? LastFileSeq { get; set; }

        public long FirstFileSeq { get; set; }

        public long Records { get; set; }
    }
}
