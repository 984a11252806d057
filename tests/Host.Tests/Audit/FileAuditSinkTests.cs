using FastProxy.Host.Audit;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Host.Tests.Audit;

public class FileAuditSinkTests
{
    private static async Task WriteAsync(string path, int from, int count, long maxFileBytes = 4096, int maxFiles = 1000)
    {
        var trail = AuditTrail.Start(new FileAuditSink(path, maxFileBytes, maxFiles, NullLogger.Instance), 256, true, TimeProvider.System, NullLogger.Instance, TimeSpan.FromMilliseconds(20));
        for (var i = from; i < from + count; i++)
        {
            AuditTestRecords.Emit(trail, i);
        }

        await trail.DisposeAsync();
    }

    [Fact]
    public void RotatedPath_FileSeq_SortsInChainOrder()
    {
        var sink = new FileAuditSink("/var/log/fp/audit.jsonl", 1 << 20, 10, NullLogger.Instance);

        Assert.Equal("/var/log/fp/audit.000007.jsonl", sink.RotatedPath(7));
        Assert.True(string.CompareOrdinal(sink.RotatedPath(99), sink.RotatedPath(100)) < 0);
    }

    [Fact(Timeout = 30_000)]
    public async Task Open_ActiveFileMissingAfterRotation_ContinuesFromNewestRotated()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        await WriteAsync(path, 0, 30);
        File.Delete(path);

        await WriteAsync(path, 100, 3);

        var files = AuditTestRecords.ChainFiles(dir.Path);
        var result = AuditVerifier.Verify(files);
        Assert.True(result.Intact, result.Describe());
        var last = AuditTestRecords.ReadRecords(path)[0];
        Assert.Equal(1, last.GetProperty("seq").GetInt64());
        Assert.Equal(files.Length - 1, last.GetProperty("file_seq").GetInt64());
    }

    [Fact(Timeout = 30_000)]
    public async Task Open_LastLineNotARecord_SetAsideAndNewFileStarted()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        await File.WriteAllTextAsync(path, "this is not an audit record\n");

        await WriteAsync(path, 0, 2);

        Assert.Single(Directory.GetFiles(dir.Path, "audit.damaged-*.jsonl"));
        var result = AuditVerifier.Verify([path]);
        Assert.True(result.Intact, result.Describe());
        Assert.Equal(2, result.Records);
    }

    [Fact(Timeout = 30_000)]
    public async Task Rotate_MaxFilesOne_OnlyActiveFileKept()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");

        await WriteAsync(path, 0, 30, maxFiles: 1);

        Assert.Equal([path], Directory.GetFiles(dir.Path));
        Assert.True(AuditVerifier.Verify([path]).Intact);
    }

    [Fact(Timeout = 30_000)]
    public async Task Open_V2LastRecord_ContinuesFileSeqSeqAndHash()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        await WriteAsync(path, 0, 3, maxFileBytes: 1 << 20);
        var last = AuditTestRecords.Lines(path)[^1];
        Assert.DoesNotContain("\"prev\"", last, StringComparison.Ordinal);

        var chain = AuditChainState.Genesis();
        using (var sink = new FileAuditSink(path, 1 << 20, 10, NullLogger.Instance))
        {
            sink.Open(chain);
        }

        Assert.Equal((0L, 3L, new FileInfo(path).Length), (chain.FileSeq, chain.Seq, chain.FileBytes));
        Assert.Equal(AuditTestRecords.HashOf(last), chain.PrevHash);
    }

    [Fact]
    public void Open_V1LastRecord_ContinuesFileSeqSeqAndHash()
    {
        using var dir = new TempDirectory();
        var (_, active) = AuditV1Fixture.WriteTrail(dir.Path);

        var chain = AuditChainState.Genesis();
        using (var sink = new FileAuditSink(active, 1 << 20, 10, NullLogger.Instance))
        {
            sink.Open(chain);
        }

        Assert.Equal((1L, 2L, new FileInfo(active).Length), (chain.FileSeq, chain.Seq, chain.FileBytes));
        Assert.Equal(AuditTestRecords.HashOf(AuditV1Fixture.File1[^1]), chain.PrevHash);
        Assert.Empty(Directory.GetFiles(dir.Path, "audit.damaged-*.jsonl"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Open_V1ActiveFile_UpgradeContinuesInV2AcrossRotation()
    {
        using var dir = new TempDirectory();
        var (rotated, active) = AuditV1Fixture.WriteTrail(dir.Path);

        await WriteAsync(active, 100, 12, maxFileBytes: 4096);

        var files = AuditTestRecords.ChainFiles(dir.Path);
        Assert.Equal(rotated, files[0]);
        Assert.True(files.Length >= 3, string.Join(' ', files));
        var result = AuditVerifier.Verify(files);
        Assert.True(result.Intact, result.Describe());
        Assert.Equal(16, result.Records);
        Assert.Null(result.Note);

        // The v1 active file got v2 records appended (no prev), then rotated; every later file starts with a prev.
        var upgraded = AuditTestRecords.ReadRecords(files[1]);
        Assert.Equal([1, 1, 2], upgraded.Take(3).Select(r => r.GetProperty("v").GetInt32()));
        Assert.False(upgraded[2].TryGetProperty("prev", out _));
        Assert.Equal(3, upgraded[2].GetProperty("seq").GetInt64());
        foreach (var file in files[2..])
        {
            var first = AuditTestRecords.ReadRecords(file)[0];
            Assert.Equal((2, 1L), (first.GetProperty("v").GetInt32(), first.GetProperty("seq").GetInt64()));
            Assert.Equal(64, first.GetProperty("prev").GetString()!.Length);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Open_ActiveMissingNewestRotatedV1_NewFileChainsToIt()
    {
        using var dir = new TempDirectory();
        var (rotated, active) = AuditV1Fixture.WriteTrail(dir.Path);
        File.Delete(active);

        await WriteAsync(active, 100, 2, maxFileBytes: 1 << 20);

        var first = AuditTestRecords.ReadRecords(active)[0];
        Assert.Equal(1, first.GetProperty("file_seq").GetInt64());
        Assert.Equal(1, first.GetProperty("seq").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(AuditTestRecords.HashOf(AuditV1Fixture.File0[^1])), first.GetProperty("prev").GetString());
        var result = AuditVerifier.Verify([rotated, active]);
        Assert.True(result.Intact, result.Describe());
    }

    [Fact(Timeout = 30_000)]
    public async Task Open_LastLineV2WithPrevAfterFirst_SetAsideNotContinued()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        await WriteAsync(path, 0, 2, maxFileBytes: 1 << 20);
        var lines = AuditTestRecords.Lines(path);
        var prev = AuditTestRecords.HashOf(lines[0]);
        lines[1] = AuditTestRecords.Seal(AuditTestRecords.Canonical(lines[1])[..^1] + $",\"prev\":\"{Convert.ToHexStringLower(prev)}\"}}", prev);
        AuditTestRecords.WriteLines(path, lines);

        // Not a record the writer produces: kept for inspection, the chain is not continued from it.
        await WriteAsync(path, 10, 1, maxFileBytes: 1 << 20);

        Assert.Single(Directory.GetFiles(dir.Path, "audit.damaged-*.jsonl"));
        Assert.Single(AuditTestRecords.Lines(path));
    }
}
