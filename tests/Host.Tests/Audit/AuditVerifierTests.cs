using System.Security.Cryptography;
using System.Text;
using FastProxy.Host.Audit;
using FastProxy.Host.Cli;
using FastProxy.Host.Commands;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Host.Tests.Audit;

public class AuditVerifierTests
{
    /// <summary>Writes <paramref name="records"/> records (rotating at <paramref name="maxFileBytes"/>) and returns the files in chain order.</summary>
    private static async Task<string[]> WriteTrailAsync(TempDirectory dir, int records, long maxFileBytes = 1 << 20)
    {
        var trail = AuditTrail.Start(new FileAuditSink(dir.File("audit.jsonl"), maxFileBytes, 1000, NullLogger.Instance), 1024, true, TimeProvider.System, NullLogger.Instance, TimeSpan.FromMilliseconds(20));
        for (var i = 0; i < records; i++)
        {
            AuditTestRecords.Emit(trail, i);
        }

        await trail.DisposeAsync();
        return AuditTestRecords.ChainFiles(dir.Path);
    }

    private static List<string> Lines(string file) => AuditTestRecords.Lines(file);

    private static void WriteLines(string file, List<string> lines) => AuditTestRecords.WriteLines(file, lines);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [Fact(Timeout = 30_000)]
    public async Task Verify_UntouchedFile_Intact()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 10);

        var result = AuditVerifier.Verify(files);

        Assert.True(result.Intact, result.Describe());
        Assert.Equal("ok: 10 records in 1 files, chain intact", result.Describe());
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_EditedRecord_NamesItAltered()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 10);
        var lines = Lines(files[0]);
        lines[4] = lines[4].Replace("\"decision\":\"allow\"", "\"decision\":\"deny\"", StringComparison.Ordinal);
        WriteLines(files[0], lines);

        var result = AuditVerifier.Verify(files);

        Assert.False(result.Intact);
        Assert.Equal(5, result.Line);
        Assert.StartsWith("record altered", result.Problem, StringComparison.Ordinal);
        Assert.Equal($"{files[0]}:5: {result.Problem}", result.Describe());
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_EditedRecordWithRecomputedHash_ChainBrokenAtNext()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 10);
        var lines = Lines(files[0]);

        // v2: record 5 has no prev member; its prev is record 4's hash, which a forger recomputes against.
        var edited = AuditTestRecords.Canonical(lines[4]).Replace("\"subject\":\"alice\"", "\"subject\":\"mallory\"", StringComparison.Ordinal);
        lines[4] = AuditTestRecords.Seal(edited, AuditTestRecords.HashOf(lines[3]));
        WriteLines(files[0], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(6, result.Line);
        Assert.Contains("chain broken", result.Problem, StringComparison.Ordinal);
        Assert.Equal(5, result.Records);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_DeletedRecord_NamesSeqGap()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 10);
        var lines = Lines(files[0]);
        lines.RemoveAt(3);
        WriteLines(files[0], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(4, result.Line);
        Assert.Equal("removed or reordered (seq gap 3 -> 5)", result.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_DeletedFirstRecord_NamesSeqGapFromZero()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 5);
        var lines = Lines(files[0]);
        lines.RemoveAt(0);
        WriteLines(files[0], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(1, result.Line);
        Assert.Equal("removed or reordered (seq gap 0 -> 2)", result.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_SwappedRecords_NamesReorder()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 10);
        var lines = Lines(files[0]);
        (lines[6], lines[7]) = (lines[7], lines[6]);
        WriteLines(files[0], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(7, result.Line);
        Assert.Equal("removed or reordered (seq gap 6 -> 8)", result.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_TornLastLine_Named()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 3);
        var text = await File.ReadAllTextAsync(files[0], Encoding.ASCII);
        await File.WriteAllTextAsync(files[0], text[..^20], Encoding.ASCII);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(3, result.Line);
        Assert.Contains("torn", result.Problem, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_RotatedFilesInOrder_IntactOutOfOrder_SaysSo()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        Assert.True(files.Length >= 3);

        Assert.True(AuditVerifier.Verify(files).Intact);
        string[] swapped = [files[1], files[0], .. files[2..]];
        var result = AuditVerifier.Verify(swapped);

        Assert.False(result.Intact);
        Assert.Contains("files out of order", result.Problem, StringComparison.Ordinal);
        Assert.Contains(string.Join(' ', files), result.Problem, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_MiddleFileMissing_NamesFileGap()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        string[] withoutSecond = [files[0], .. files[2..]];

        var result = AuditVerifier.Verify(withoutSecond);

        Assert.Equal(files[2], result.File);
        Assert.Equal(1, result.Line);
        Assert.Equal("removed or reordered (file_seq gap 0 -> 2: a whole file is missing)", result.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_FirstFileMissing_IntactWithNote()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);

        var result = AuditVerifier.Verify(files[1..]);

        Assert.True(result.Intact, result.Describe());
        Assert.Contains("file_seq 1", result.Note, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_NotAnAuditFile_Altered()
    {
        using var dir = new TempDirectory();
        var file = dir.File("x.jsonl");
        await File.WriteAllTextAsync(file, "{\"hello\":1}\n");

        var result = AuditVerifier.Verify([file]);

        Assert.Equal(1, result.Line);
        Assert.Equal("record altered (not a well-formed audit record: no schema version)", result.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_WrittenTrail_V2WithPrevOnlyInEachFilesFirstRecord()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        Assert.True(files.Length >= 3);

        byte[]? lastHash = null;
        foreach (var file in files)
        {
            var lines = Lines(file);
            for (var i = 0; i < lines.Count; i++)
            {
                using var doc = System.Text.Json.JsonDocument.Parse(lines[i]);
                var record = doc.RootElement;
                Assert.Equal(2, record.GetProperty("v").GetInt32());
                Assert.Equal(i + 1, record.GetProperty("seq").GetInt64());
                Assert.Equal(i == 0, record.TryGetProperty("prev", out _));
                var prev = i == 0 ? Convert.FromHexString(record.GetProperty("prev").GetString()!) : lastHash!;
                if (lastHash is not null)
                {
                    Assert.Equal(lastHash, prev);
                }

                // hash = SHA-256(prev || canonical), prev named or implied.
                Assert.Equal(AuditTestRecords.Seal(AuditTestRecords.Canonical(lines[i]), prev), lines[i]);
                lastHash = AuditTestRecords.HashOf(lines[i]);
            }
        }

        Assert.True(AuditVerifier.Verify(files).Intact);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_EditedFirstRecordOfFile_NamesItAltered()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        var lines = Lines(files[1]);
        lines[0] = lines[0].Replace("\"decision\":\"allow\"", "\"decision\":\"deny\"", StringComparison.Ordinal);
        WriteLines(files[1], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(files[1], result.File);
        Assert.Equal(1, result.Line);
        Assert.Equal("record altered (hash does not match its content)", result.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_SwappedFirstTwoRecordsOfFile_NamesSeqGapFromZero()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        var lines = Lines(files[1]);
        (lines[0], lines[1]) = (lines[1], lines[0]);
        WriteLines(files[1], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(files[1], result.File);
        Assert.Equal(1, result.Line);
        Assert.Equal("removed or reordered (seq gap 0 -> 2)", result.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_DeletedFirstLineOfRotatedFile_NamesSeqGapFromZero()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        var lines = Lines(files[1]);
        lines.RemoveAt(0);
        WriteLines(files[1], lines);

        // The file's first line is now a record whose prev is implied by a line that is gone.
        var whole = AuditVerifier.Verify(files);
        var alone = AuditVerifier.Verify([files[1]]);

        Assert.Equal((files[1], 1L, "removed or reordered (seq gap 0 -> 2)"), (whole.File, whole.Line, whole.Problem));
        Assert.Equal((files[1], 1L, "removed or reordered (seq gap 0 -> 2)"), (alone.File, alone.Line, alone.Problem));
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_EditedPrevInFirstRecord_NamesItAltered()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        var lines = Lines(files[1]);
        var prev = Hex(AuditTestRecords.HashOf(Lines(files[0])[^1]));
        var forged = Hex(RandomNumberGenerator.GetBytes(32));
        lines[0] = lines[0].Replace($"\"prev\":\"{prev}\"", $"\"prev\":\"{forged}\"", StringComparison.Ordinal);
        Assert.Contains(forged, lines[0], StringComparison.Ordinal);
        WriteLines(files[1], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal((files[1], 1L, "record altered (hash does not match its content)"), (result.File, result.Line, result.Problem));
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_EditedPrevInFirstRecordWithRecomputedHash_ChainBrokenToPreviousFile()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        ForgeFirstRecordPrev(files[1]);

        var result = AuditVerifier.Verify(files);

        Assert.Equal((files[1], 1L, "chain broken (prev does not match the last hash of the previous file)"), (result.File, result.Line, result.Problem));
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_EditedPrevInOldestFileGivenWithRecomputedHash_CaughtAtItsSecondRecord()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        ForgeFirstRecordPrev(files[1]);

        // Without the file before it, the first record's prev cannot be compared; the second record's implied prev can.
        var result = AuditVerifier.Verify(files[1..]);

        Assert.Equal(files[1], result.File);
        Assert.Equal(2, result.Line);
        Assert.Contains("chain broken", result.Problem, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_FirstRecordWithoutPrev_RefusedAsMalformed()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 40, maxFileBytes: 4096);
        var lines = Lines(files[1]);
        var prevBytes = AuditTestRecords.HashOf(Lines(files[0])[^1]);
        var canonical = AuditTestRecords.Canonical(lines[0]).Replace($",\"prev\":\"{Hex(prevBytes)}\"", string.Empty, StringComparison.Ordinal);
        lines[0] = AuditTestRecords.Seal(canonical, prevBytes);
        WriteLines(files[1], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal((files[1], 1L, "record altered (not a well-formed audit record: no prev in a file's first record)"), (result.File, result.Line, result.Problem));
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_LaterRecordWithPrevMember_RefusedAsMalformed()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 10);
        var lines = Lines(files[0]);

        // Even the right prev, hashed consistently: only a file's first record may carry one (docs/audit.md).
        var prev = AuditTestRecords.HashOf(lines[2]);
        var canonical = AuditTestRecords.Canonical(lines[3])[..^1] + $",\"prev\":\"{Hex(prev)}\"}}";
        lines[3] = AuditTestRecords.Seal(canonical, prev);
        WriteLines(files[0], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(4, result.Line);
        Assert.Equal("record altered (not a well-formed audit record: prev in a version 2 record after the first of its file)", result.Problem);
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_UnknownSchemaVersion_RefusedAsMalformed()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 5);
        var lines = Lines(files[0]);
        lines[2] = AuditTestRecords.Seal(AuditTestRecords.Canonical(lines[2]).Replace("{\"v\":2,", "{\"v\":3,", StringComparison.Ordinal), AuditTestRecords.HashOf(lines[1]));
        WriteLines(files[0], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(3, result.Line);
        Assert.Equal("record altered (not a well-formed audit record: unknown schema version 3)", result.Problem);
    }

    [Fact]
    public void Verify_V1Trail_Intact()
    {
        using var dir = new TempDirectory();
        var (rotated, active) = AuditV1Fixture.WriteTrail(dir.Path);

        var result = AuditVerifier.Verify([rotated, active]);

        Assert.True(result.Intact, result.Describe());
        Assert.Equal(4, result.Records);
        Assert.Null(result.Note);
    }

    [Fact]
    public void Verify_V1TrailTampered_PinpointedAsBefore()
    {
        using var dir = new TempDirectory();
        var (rotated, active) = AuditV1Fixture.WriteTrail(dir.Path);

        // Edited: the record's own prev makes it check alone.
        AuditTestRecords.WriteLines(active, [AuditV1Fixture.File1[0], AuditV1Fixture.File1[1].Replace("\"status\":200", "\"status\":204", StringComparison.Ordinal)]);
        var edited = AuditVerifier.Verify([rotated, active]);

        // Edited with the hash recomputed: the next record's prev no longer matches.
        var forged = AuditTestRecords.Seal(AuditTestRecords.Canonical(AuditV1Fixture.File0[0]).Replace("alice", "mallory", StringComparison.Ordinal), new byte[32]);
        AuditTestRecords.WriteLines(rotated, [forged, AuditV1Fixture.File0[1]]);
        var recomputed = AuditVerifier.Verify([rotated]);

        // Deleted.
        AuditTestRecords.WriteLines(active, [AuditV1Fixture.File1[1]]);
        var deleted = AuditVerifier.Verify([active]);

        Assert.Equal((active, 2L, "record altered (hash does not match its content)"), (edited.File, edited.Line, edited.Problem));
        Assert.Equal((rotated, 2L, "chain broken (prev does not match the previous record's hash)"), (recomputed.File, recomputed.Line, recomputed.Problem));
        Assert.Equal((active, 1L, "removed or reordered (seq gap 0 -> 2)"), (deleted.File, deleted.Line, deleted.Problem));
    }

    [Fact(Timeout = 30_000)]
    public async Task Verify_V1ThenV2InOneFile_IntactAndTamperAtTheSeamCaught()
    {
        using var dir = new TempDirectory();
        var (rotated, active) = AuditV1Fixture.WriteTrail(dir.Path);
        var trail = AuditTrail.Start(new FileAuditSink(active, 1 << 20, 1000, NullLogger.Instance), 64, true, TimeProvider.System, NullLogger.Instance, TimeSpan.FromMilliseconds(20));
        for (var i = 10; i < 13; i++)
        {
            AuditTestRecords.Emit(trail, i);
        }

        await trail.DisposeAsync();
        var upgraded = Lines(active);
        Assert.Equal(5, upgraded.Count);
        Assert.Contains("\"v\":1,", upgraded[1], StringComparison.Ordinal);
        Assert.StartsWith("{\"v\":2,", upgraded[2], StringComparison.Ordinal);
        Assert.DoesNotContain("\"prev\"", upgraded[2], StringComparison.Ordinal);

        var intact = AuditVerifier.Verify([rotated, active]);

        // The last v1 record edited and re-hashed: the first v2 record's implied prev catches it.
        var forged = new List<string>(upgraded);
        forged[1] = AuditTestRecords.Seal(AuditTestRecords.Canonical(upgraded[1]).Replace("carol", "mallory", StringComparison.Ordinal), AuditTestRecords.HashOf(upgraded[0]));
        WriteLines(active, forged);
        var seam = AuditVerifier.Verify([rotated, active]);

        // The first v2 record edited.
        var edited = new List<string>(upgraded);
        edited[2] = edited[2].Replace("\"status\":200", "\"status\":204", StringComparison.Ordinal);
        WriteLines(active, edited);
        var editedResult = AuditVerifier.Verify([rotated, active]);

        Assert.True(intact.Intact, intact.Describe());
        Assert.Equal(7, intact.Records);
        Assert.Equal((active, 3L), (seam.File, seam.Line));
        Assert.Contains("chain broken", seam.Problem, StringComparison.Ordinal);
        Assert.Equal((active, 3L), (editedResult.File, editedResult.Line));
        Assert.StartsWith("record altered (hash does not match its content)", editedResult.Problem, StringComparison.Ordinal);
    }

    /// <summary>Gives the first record of <paramref name="file"/> another prev and recomputes its hash, as a forger would.</summary>
    private static void ForgeFirstRecordPrev(string file)
    {
        var lines = Lines(file);
        using var doc = System.Text.Json.JsonDocument.Parse(lines[0]);
        var prev = doc.RootElement.GetProperty("prev").GetString()!;
        var forged = RandomNumberGenerator.GetBytes(32);
        lines[0] = AuditTestRecords.Seal(AuditTestRecords.Canonical(lines[0]).Replace(prev, Hex(forged), StringComparison.Ordinal), forged);
        WriteLines(file, lines);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_IntactAndTampered_ExitCodes()
    {
        using var dir = new TempDirectory();
        var files = await WriteTrailAsync(dir, 5);

        Assert.Equal(0, await AuditVerifyCommand.RunAsync(new CliInvocation { Command = CliCommand.AuditVerify, AuditFiles = files }));

        var lines = Lines(files[0]);
        lines.RemoveAt(2);
        WriteLines(files[0], lines);
        Assert.Equal(1, await AuditVerifyCommand.RunAsync(new CliInvocation { Command = CliCommand.AuditVerify, AuditFiles = files }));
    }
}
