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

    private static List<string> Lines(string file) => [.. File.ReadAllText(file, Encoding.ASCII).Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static void WriteLines(string file, List<string> lines) => File.WriteAllText(file, string.Join('\n', lines) + "\n", Encoding.ASCII);

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
        var edited = lines[4].Replace("\"subject\":\"alice\"", "\"subject\":\"mallory\"", StringComparison.Ordinal);
        var body = edited[..^AuditFormat.HashSuffixLength] + "}";
        var prevHex = System.Text.Json.JsonDocument.Parse(edited).RootElement.GetProperty("prev").GetString()!;
        var hash = SHA256.HashData([.. Convert.FromHexString(prevHex), .. Encoding.ASCII.GetBytes(body)]);
        lines[4] = body[..^1] + ",\"hash\":\"" + Convert.ToHexStringLower(hash) + "\"}";
        WriteLines(files[0], lines);

        var result = AuditVerifier.Verify(files);

        Assert.Equal(6, result.Line);
        Assert.StartsWith("chain broken", result.Problem, StringComparison.Ordinal);
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
        Assert.StartsWith("record altered", result.Problem, StringComparison.Ordinal);
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
