using System.Text;
using FastProxy.Core.Observability;
using FastProxy.Host.Audit;
using FastProxy.Host.Config;
using Microsoft.Extensions.Logging.Abstractions;
using FastProxy.Tests.Common;

namespace FastProxy.Host.Tests.Audit;

public class AuditTrailTests
{
    private static readonly TimeSpan FastRetry = TimeSpan.FromMilliseconds(20);

    private static AuditTrail StartFile(string path, long maxFileBytes = 100L * 1024 * 1024, int maxFiles = 10, int capacity = 1024) =>
        AuditTrail.Start(new FileAuditSink(path, maxFileBytes, maxFiles, NullLogger.Instance), capacity, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);

    [Fact(Timeout = 30_000)]
    public async Task OnRequestCompleted_AllowDenyNoRoute_OneRecordEachWithFields()
    {
        using var dir = new TempDirectory();
        var trail = AuditTrail.Create(new AuditConfig { Path = "audit.jsonl" }, dir.Path, TimeProvider.System, NullLogger.Instance);
        AuditTestRecords.Emit(trail, 1);
        AuditTestRecords.Emit(trail, 2, AuditTestRecords.Denied, RequestOutcome.Denied, status: 403);
        AuditTestRecords.Emit(trail, 3, FastProxy.Core.Gate.GateAudit.None, RequestOutcome.NoRoute, status: 404);
        AuditTestRecords.Emit(trail, 4, AuditTestRecords.Shadow, RequestOutcome.Forwarded);
        await trail.DisposeAsync();

        var records = AuditTestRecords.ReadRecords(dir.File("audit.jsonl"));
        Assert.Equal(4, records.Count);
        Assert.Equal(4, Volatile.Read(ref trail.Counters.Written));

        var allowed = records[0];
        Assert.Equal("2026-11-29T04:00:00.001Z", allowed.GetProperty("time").GetString());
        Assert.Equal("00000001", allowed.GetProperty("request_id").GetString());
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", allowed.GetProperty("trace_id").GetString());
        Assert.Equal("192.0.2.7", allowed.GetProperty("client").GetString());
        Assert.False(allowed.TryGetProperty("client_cert", out _));
        Assert.Equal("https://idp.example", allowed.GetProperty("principal").GetProperty("issuer").GetString());
        Assert.Equal("alice", allowed.GetProperty("principal").GetProperty("subject").GetString());
        Assert.Equal("HTTP/1.1", allowed.GetProperty("protocol").GetString());
        Assert.Equal("GET", allowed.GetProperty("method").GetString());
        Assert.Equal("api.example.com", allowed.GetProperty("host").GetString());
        Assert.Equal("/orders/7", allowed.GetProperty("path").GetString());
        Assert.False(allowed.TryGetProperty("truncated", out _));
        Assert.Equal("orders-read", allowed.GetProperty("route").GetString());
        Assert.Equal("v1-abc", allowed.GetProperty("policy_version").GetString());
        Assert.Equal("allow", allowed.GetProperty("decision").GetString());
        Assert.Equal("allowed", allowed.GetProperty("reason").GetString());
        Assert.Equal("routes[0].allow[0]", allowed.GetProperty("rule").GetString());
        Assert.Equal("claim roles contains orders.read", allowed.GetProperty("predicate").GetString());
        Assert.False(allowed.TryGetProperty("shadow", out _));
        Assert.Equal(200, allowed.GetProperty("status").GetInt32());
        Assert.Equal("10.0.1.5:8080", allowed.GetProperty("upstream").GetString());
        Assert.Equal(10, allowed.GetProperty("bytes_in").GetInt64());
        Assert.Equal(2048, allowed.GetProperty("bytes_out").GetInt64());
        Assert.Equal("1.234", allowed.GetProperty("duration_ms").GetRawText());
        Assert.Equal("forwarded", allowed.GetProperty("outcome").GetString());
        Assert.Equal(0, allowed.GetProperty("file_seq").GetInt64());
        Assert.Equal(1, allowed.GetProperty("seq").GetInt64());
        Assert.Equal(2, allowed.GetProperty("v").GetInt32());
        Assert.Equal(new string('0', 64), allowed.GetProperty("prev").GetString());
        Assert.Equal(64, allowed.GetProperty("hash").GetString()!.Length);

        var denied = records[1];
        Assert.Equal("deny", denied.GetProperty("decision").GetString());
        Assert.Equal("no_rule_matched", denied.GetProperty("reason").GetString());
        Assert.Equal(403, denied.GetProperty("status").GetInt32());
        Assert.Equal("denied", denied.GetProperty("outcome").GetString());
        Assert.False(denied.TryGetProperty("prev", out _));
        Assert.False(denied.TryGetProperty("upstream", out _));
        Assert.False(denied.TryGetProperty("rule", out _));
        Assert.False(denied.TryGetProperty("predicate", out _));

        // The link: the denied record is hashed after the allowed one's hash (prev implied).
        var lines = AuditTestRecords.Lines(dir.File("audit.jsonl"));
        Assert.Equal(AuditTestRecords.Seal(AuditTestRecords.Canonical(lines[1]), AuditTestRecords.HashOf(lines[0])), lines[1]);

        var noRoute = records[2];
        Assert.Equal("deny", noRoute.GetProperty("decision").GetString());
        Assert.False(noRoute.TryGetProperty("route", out _));
        Assert.False(noRoute.TryGetProperty("policy_version", out _));
        Assert.False(noRoute.TryGetProperty("principal", out _));
        Assert.Equal("none", noRoute.GetProperty("reason").GetString());
        Assert.Equal("no_route", noRoute.GetProperty("outcome").GetString());

        var shadow = records[3];
        Assert.Equal("allow", shadow.GetProperty("decision").GetString());
        Assert.Equal("deny", shadow.GetProperty("shadow").GetProperty("verdict").GetString());
        Assert.Equal(4, shadow.GetProperty("seq").GetInt64());
    }

    [Fact(Timeout = 30_000)]
    public async Task OnRequestCompleted_HostilePaths_ValidJsonAsciiLines()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        var trail = StartFile(path);
        byte[][] paths =
        [
            "/a\"b\\c"u8.ToArray(),
            "/x\r\n{\"decision\":\"allow\"}\n"u8.ToArray(),
            [(byte)'/', 0x00, 0x01, 0x1B, 0x7F],
            [(byte)'/', 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80],
            "/caf\u00e9/<script>\u2028"u8.ToArray(),
            Enumerable.Repeat((byte)'a', 5000).ToArray(),
        ];
        for (var i = 0; i < paths.Length; i++)
        {
            AuditTestRecords.Emit(trail, i, path: paths[i]);
        }

        await trail.DisposeAsync();

        var bytes = await File.ReadAllBytesAsync(path);
        Assert.All(bytes, b => Assert.True(b is >= 0x20 and < 0x7F || b == (byte)'\n', $"byte 0x{b:X2} in the file"));
        var records = AuditTestRecords.ReadRecords(path);
        Assert.Equal(paths.Length, records.Count);
        Assert.Equal("/a\"b\\c", records[0].GetProperty("path").GetString());
        Assert.Equal("/x\r\n{\"decision\":\"allow\"}\n", records[1].GetProperty("path").GetString());
        Assert.Equal("/\0\u0001\u001B\u007F", records[2].GetProperty("path").GetString());
        Assert.Contains('\uFFFD', records[3].GetProperty("path").GetString()!);
        Assert.Equal("/caf\u00e9/<script>\u2028", records[4].GetProperty("path").GetString());
        Assert.Equal(AuditSlot.MaxPathBytes, records[5].GetProperty("path").GetString()!.Length);
        Assert.True(records[5].GetProperty("truncated").GetBoolean());
        Assert.All(records.Take(5), r => Assert.False(r.TryGetProperty("truncated", out _)));
        Assert.True(AuditVerifier.Verify([path]).Intact);
    }

    [Fact(Timeout = 30_000)]
    public async Task Rotation_SmallFiles_RotatesKeepsMaxFilesAndChainsAcross()
    {
        using var dir = new TempDirectory();
        var trail = StartFile(dir.File("audit.jsonl"), maxFileBytes: 4096, maxFiles: 3);
        for (var i = 0; i < 100; i++)
        {
            AuditTestRecords.Emit(trail, i);
        }

        await trail.DisposeAsync();

        var files = AuditTestRecords.ChainFiles(dir.Path);
        Assert.Equal(3, files.Length);
        Assert.True(Volatile.Read(ref trail.Counters.Rotations) >= 10);
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 1, 4096));

        // The kept files chain to each other; the first one's link to the deleted ones is noted, not checked.
        var result = AuditVerifier.Verify(files);
        Assert.True(result.Intact, result.Describe());
        Assert.NotNull(result.Note);
        var records = AuditTestRecords.ReadRecords(files);
        Assert.Equal("00000099", records[^1].GetProperty("request_id").GetString());
        Assert.Equal(1, records[0].GetProperty("seq").GetInt64());
    }

    [Fact(Timeout = 30_000)]
    public async Task Rotation_AllFilesKept_ChainFromGenesisIntact()
    {
        using var dir = new TempDirectory();
        var trail = StartFile(dir.File("audit.jsonl"), maxFileBytes: 4096, maxFiles: 1000);
        for (var i = 0; i < 60; i++)
        {
            AuditTestRecords.Emit(trail, i);
        }

        await trail.DisposeAsync();

        var files = AuditTestRecords.ChainFiles(dir.Path);
        Assert.True(files.Length > 3);
        var result = AuditVerifier.Verify(files);
        Assert.True(result.Intact, result.Describe());
        Assert.Null(result.Note);
        Assert.Equal(60, result.Records);

        var records = AuditTestRecords.ReadRecords(files);
        var second = AuditTestRecords.ReadRecords(files[1]);
        var first = AuditTestRecords.ReadRecords(files[0]);
        Assert.Equal(first[^1].GetProperty("hash").GetString(), second[0].GetProperty("prev").GetString());
        Assert.Equal(1, second[0].GetProperty("file_seq").GetInt64());
        Assert.Equal(60, records.Count);
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_ExistingTrail_ContinuesChainAcrossRestarts()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        for (var run = 0; run < 3; run++)
        {
            var trail = StartFile(path, maxFileBytes: 4096);
            for (var i = 0; i < 7; i++)
            {
                AuditTestRecords.Emit(trail, (run * 10) + i);
            }

            await trail.DisposeAsync();
        }

        var files = AuditTestRecords.ChainFiles(dir.Path);
        var result = AuditVerifier.Verify(files);
        Assert.True(result.Intact, result.Describe());
        Assert.Equal(21, result.Records);
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_TornLastLine_CutAndChainContinues()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        var trail = StartFile(path);
        AuditTestRecords.Emit(trail, 1);
        await trail.DisposeAsync();
        await File.AppendAllTextAsync(path, "{\"v\":1,\"time\":\"2026-", Encoding.ASCII);

        trail = StartFile(path);
        AuditTestRecords.Emit(trail, 2);
        await trail.DisposeAsync();

        var result = AuditVerifier.Verify([path]);
        Assert.True(result.Intact, result.Describe());
        Assert.Equal(2, result.Records);
    }

    [Fact(Timeout = 30_000)]
    public async Task QueueFull_DropsCountedUnavailableThenRecovers()
    {
        using var release = new ManualResetEventSlim(false);
        var stream = new BlockingStream(release);
        var trail = AuditTrail.Start(new StreamAuditSink("test", () => stream), queueCapacity: 8, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        Assert.True(trail.IsAuditAvailable);

        // The first record reaches the sink and blocks the writer there; the queue then fills.
        AuditTestRecords.Emit(trail, 0);
        await AuditTestRecords.WaitUntilAsync(() => stream.Blocked, "the writer to block in the sink");
        for (var i = 1; i <= 20; i++)
        {
            AuditTestRecords.Emit(trail, i);
        }

        Assert.Equal(8, trail.Counters.QueueDepth);
        Assert.Equal(12, Volatile.Read(ref trail.Counters.Dropped));
        Assert.False(trail.IsAuditAvailable);

        release.Set();
        await AuditTestRecords.WaitUntilAsync(() => trail.Counters.QueueDepth == 0, "the queue to drain");
        Assert.True(trail.IsAuditAvailable);
        AuditTestRecords.Emit(trail, 21);
        await trail.DisposeAsync();

        Assert.Equal(10, Volatile.Read(ref trail.Counters.Written));
        Assert.Equal(12, Volatile.Read(ref trail.Counters.Dropped));
        Assert.Equal(10, Encoding.ASCII.GetString(stream.Written.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact(Timeout = 30_000)]
    public async Task SinkThrows_FailuresCountedUnavailableNoCrashThenRecovers()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        var stream = new FlakyStream(path) { Failing = true };
        var trail = AuditTrail.Start(new StreamAuditSink("flaky", () => stream), queueCapacity: 64, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        AuditTestRecords.Emit(trail, 1);
        AuditTestRecords.Emit(trail, 2);

        await AuditTestRecords.WaitUntilAsync(() => Volatile.Read(ref trail.Counters.SinkFailures) >= 2, "sink failures to be counted");
        Assert.False(trail.IsAuditAvailable);
        Assert.True(trail.IsSinkFailing);
        Assert.Equal(0, Volatile.Read(ref trail.Counters.Written));

        stream.Failing = false;
        await AuditTestRecords.WaitUntilAsync(() => Volatile.Read(ref trail.Counters.Written) == 2, "the retried write");
        Assert.True(trail.IsAuditAvailable);
        Assert.False(trail.IsSinkFailing);
        AuditTestRecords.Emit(trail, 3);
        await trail.DisposeAsync();
        stream.Close();

        // The torn bytes of the failed attempts are not in the file; the chain is whole.
        var result = AuditVerifier.Verify([path]);
        Assert.True(result.Intact, result.Describe());
        Assert.Equal(3, result.Records);
    }

    [Fact(Timeout = 30_000)]
    public async Task FileSink_BytesBeyondLastGoodWrite_CutBeforeNextWrite()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        var sink = new FileAuditSink(path, 1 << 20, 10, NullLogger.Instance);
        var chain = AuditChainState.Genesis();
        sink.Open(chain);
        sink.Write("{\"a\":1}\n"u8);

        // What a write that failed half-way (bytes on disk, then ENOSPC) leaves behind: bytes past the last good
        // length. The sink reopens after a failure and must cut them before the retry.
        sink.Dispose();
        await File.AppendAllTextAsync(path, "{\"torn", Encoding.ASCII);
        sink.Write("{\"b\":2}\n"u8);
        sink.Dispose();

        Assert.Equal("{\"a\":1}\n{\"b\":2}\n", await File.ReadAllTextAsync(path, Encoding.ASCII));
    }

    [Fact(Timeout = 30_000)]
    public async Task Create_UnwritablePath_StartsUnavailableCountsNoCrash()
    {
        using var dir = new TempDirectory();
        var blocker = dir.File("not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        var trail = StartFile(Path.Combine(blocker, "audit", "audit.jsonl"), capacity: 16);

        Assert.False(trail.IsAuditAvailable);
        Assert.True(Volatile.Read(ref trail.Counters.SinkFailures) >= 1);
        AuditTestRecords.Emit(trail, 1);
        await trail.DisposeAsync();

        Assert.Equal(0, Volatile.Read(ref trail.Counters.Written));
        Assert.Equal(1, Volatile.Read(ref trail.Counters.Dropped));
    }

    [Fact(Timeout = 30_000)]
    public async Task Create_Disabled_AvailableAndWritesNothing()
    {
        using var dir = new TempDirectory();
        var trail = AuditTrail.Create(new AuditConfig { Enabled = false }, dir.Path, TimeProvider.System, NullLogger.Instance);
        AuditTestRecords.Emit(trail, 1);
        await trail.DisposeAsync();

        Assert.True(trail.IsAuditAvailable);
        Assert.False(trail.Enabled);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact(Timeout = 30_000)]
    public async Task Create_OnAuditFailureAllow_DoesNotDeny()
    {
        using var dir = new TempDirectory();
        var deny = AuditTrail.Create(new AuditConfig(), dir.Path, TimeProvider.System, NullLogger.Instance);
        var allow = AuditTrail.Create(new AuditConfig { OnAuditFailure = "allow", Path = "other/a.jsonl" }, dir.Path, TimeProvider.System, NullLogger.Instance);
        await deny.DisposeAsync();
        await allow.DisposeAsync();

        Assert.True(deny.DenyOnFailure);
        Assert.False(allow.DenyOnFailure);
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "audit")));
    }

    [Fact(Timeout = 60_000)]
    public async Task OnRequestCompleted_SteadyState_AllocatesNothingOnProducerThread()
    {
        using var dir = new TempDirectory();
        var trail = StartFile(dir.File("audit.jsonl"), capacity: 256);

        // Warm-up: every slot used at least once (buffers sized), every code path jitted.
        for (var i = 0; i < 2000; i++)
        {
            AuditTestRecords.Emit(trail, i);
        }

        const int Events = 20_000;
        var allocated = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < Events; i++)
            {
                AuditTestRecords.Emit(trail, i);
            }
        });

        await trail.DisposeAsync();

        Assert.Equal(0, allocated);
        Assert.Equal(2000 + (3 * Events), Volatile.Read(ref trail.Counters.Written) + Volatile.Read(ref trail.Counters.Dropped));
    }

    [Fact(Timeout = 30_000)]
    public async Task UnauthenticatedFlood_SinkStalled_AuthenticatedRecordStillTakenAndWritten()
    {
        using var release = new ManualResetEventSlim(false);
        var stream = new BlockingStream(release);
        var trail = AuditTrail.Start(new StreamAuditSink("test", () => stream), queueCapacity: 16, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        AuditTestRecords.Emit(trail, 0);
        await AuditTestRecords.WaitUntilAsync(() => stream.Blocked, "the writer to block in the sink");

        // Requests without a token, refused, far more than the queue holds while the sink is stuck.
        for (var i = 1; i <= 1000; i++)
        {
            AuditTestRecords.Emit(trail, i, AuditTestRecords.Unauthenticated, RequestOutcome.Denied, status: 401);
        }

        // They hold at most their share: an authenticated request can still be promised (and so served under deny).
        Assert.True(trail.IsAuditAvailable);
        AuditTestRecords.Emit(trail, 5000);
        release.Set();
        await trail.DisposeAsync();

        var lines = Encoding.ASCII.GetString(stream.Written.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.Contains("\"request_id\":\"00005000\"", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("\"request_id\":\"00000000\"", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task AuthenticatedDenialFlood_SinkStalled_OtherUsersAllowedRequestsStillPromised()
    {
        using var release = new ManualResetEventSlim(false);
        var stream = new BlockingStream(release);
        var trail = AuditTrail.Start(new StreamAuditSink("test", () => stream), queueCapacity: 16, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        AuditTestRecords.Emit(trail, 0);
        await AuditTestRecords.WaitUntilAsync(() => stream.Blocked, "the writer to block in the sink");

        // One valid but low-privilege token hammering a forbidden route while the sink is stuck.
        for (var i = 1; i <= 1000; i++)
        {
            AuditTestRecords.Emit(trail, i, AuditTestRecords.Denied, RequestOutcome.Denied, status: 403);
        }

        Assert.True(trail.IsAuditAvailable);
        AuditTestRecords.Emit(trail, 5000);
        release.Set();
        await trail.DisposeAsync();

        var lines = Encoding.ASCII.GetString(stream.Written.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.Contains("\"request_id\":\"00005000\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("unrecorded_summary", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task UnauthenticatedFlood_SinkStalled_SummaryRecordCountsTheRestAndChainVerifies()
    {
        using var dir = new TempDirectory();
        using var release = new ManualResetEventSlim(false);
        var stream = new BlockingStream(release);
        var trail = AuditTrail.Start(new StreamAuditSink("test", () => stream), queueCapacity: 16, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        AuditTestRecords.Emit(trail, 0);
        await AuditTestRecords.WaitUntilAsync(() => stream.Blocked, "the writer to block in the sink");
        for (var i = 1; i <= 1000; i++)
        {
            AuditTestRecords.Emit(trail, i, AuditTestRecords.Unauthenticated, RequestOutcome.Denied, status: 401);
        }

        AuditTestRecords.Emit(trail, 1001, AuditTestRecords.Unauthenticated, RequestOutcome.NoRoute, status: 404);
        release.Set();
        await trail.DisposeAsync();

        var file = dir.File("audit.jsonl");
        await File.WriteAllBytesAsync(file, stream.Written.ToArray());
        var records = AuditTestRecords.ReadRecords(file);
        var individual = records.Where(r => !r.TryGetProperty("kind", out _)).ToList();
        var summary = Assert.Single(records, r => r.TryGetProperty("kind", out var kind) && string.Equals(kind.GetString(), "unrecorded_summary", StringComparison.Ordinal));

        // Every request is accounted for: written one by one (the blocked one plus the unauthenticated share of 16 / 4), or counted in the summary.
        Assert.Equal(1 + 4, individual.Count);
        Assert.Equal(1001 - 4, summary.GetProperty("unrecorded").GetInt64());
        Assert.Equal(1000 - 4, summary.GetProperty("outcomes").GetProperty("denied").GetInt64());
        Assert.Equal(1, summary.GetProperty("outcomes").GetProperty("no_route").GetInt64());
        Assert.Equal("2026-11-29T04:00:00.005Z", summary.GetProperty("from").GetString());
        Assert.Equal("2026-11-29T04:00:01.001Z", summary.GetProperty("to").GetString());
        var verified = AuditVerifier.Verify([file]);
        Assert.True(verified.Intact, verified.Describe());
        Assert.Equal(individual.Count + 1, verified.Records);
    }
}
