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
}
