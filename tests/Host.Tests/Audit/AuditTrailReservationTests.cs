using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Host.Audit;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Host.Tests.Audit;

/// <summary>
/// The fail-closed stance decided once (issue 10, item 7): room for a record is reserved when the
/// request is decided, and a record that was promised room is written, however full the queue got.
/// </summary>
public class AuditTrailReservationTests
{
    private static readonly TimeSpan FastRetry = TimeSpan.FromMilliseconds(20);

    private static (AuditTrail Trail, BlockingStream Stream) StartBlocked(ManualResetEventSlim release, int capacity)
    {
        var stream = new BlockingStream(release);
        var trail = AuditTrail.Start(new StreamAuditSink("test", () => stream), capacity, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        return (trail, stream);
    }

    private static void Emit(IRequestObserver observer, string requestId, GateAudit gate, AuditReservation reservation = default)
    {
        var record = new RequestRecord
        {
            StartUnixMilliseconds = AuditTestRecords.BaseTime,
            RequestId = Encoding.ASCII.GetBytes(requestId),
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736"u8,
            Protocol = "HTTP/1.1",
            Method = "GET"u8,
            Host = "api.example.com"u8,
            Path = AuditTestRecords.DefaultPath,
            Outcome = RequestOutcome.Forwarded,
            Gate = gate,
            Status = 200,
            AuditReservation = reservation,
        };
        observer.OnRequestCompleted(record);
    }

    private static string[] Lines(BlockingStream stream) =>
        Encoding.ASCII.GetString(stream.Written.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact(Timeout = 30_000)]
    public async Task TryReserveRecord_QueueFilledBeforeTheRecordComes_EveryPromisedRecordWrittenOnce()
    {
        using var release = new ManualResetEventSlim(false);
        var (trail, stream) = StartBlocked(release, capacity: 8);
        AuditTestRecords.Emit(trail, 0);
        await AuditTestRecords.WaitUntilAsync(() => stream.Blocked, "the writer to block in the sink");

        // Decided while there was room: each promised a record.
        var reservations = new AuditReservation[3];
        for (var i = 0; i < reservations.Length; i++)
        {
            Assert.True(trail.TryReserveRecord(out reservations[i]));
            Assert.True(reservations[i].IsHeld);
        }

        // Meanwhile other requests take every slot left; then the promised records come.
        for (var i = 0; i < 20; i++)
        {
            Emit(trail, $"other-{i}", AuditTestRecords.Allowed);
        }

        Assert.False(trail.TryReserveRecord(out var refused));
        Assert.False(refused.IsHeld);
        Assert.False(trail.IsAuditAvailable);
        for (var i = 0; i < reservations.Length; i++)
        {
            Emit(trail, $"promised-{i}", AuditTestRecords.Allowed, reservations[i]);
        }

        Assert.Equal(20 - (8 - 3), Volatile.Read(ref trail.Counters.Dropped));
        release.Set();
        await trail.DisposeAsync();

        var lines = Lines(stream);
        for (var i = 0; i < reservations.Length; i++)
        {
            Assert.Single(lines, l => l.Contains($"\"request_id\":\"promised-{i}\"", StringComparison.Ordinal));
        }

        Assert.Equal(1 + 5 + 3, lines.Length);
        Assert.Equal(20 - 5, Volatile.Read(ref trail.Counters.Dropped));
    }

    [Fact(Timeout = 30_000)]
    public async Task TryReserveRecord_UnauthenticatedFloodWhileStalled_StillReservesForAuthenticated()
    {
        using var release = new ManualResetEventSlim(false);
        var (trail, stream) = StartBlocked(release, capacity: 16);
        AuditTestRecords.Emit(trail, 0);
        await AuditTestRecords.WaitUntilAsync(() => stream.Blocked, "the writer to block in the sink");
        for (var i = 0; i < 1000; i++)
        {
            Emit(trail, $"anonymous-{i}", AuditTestRecords.Unauthenticated);
        }

        // The share is a quarter: 12 of 16 slots stay for authenticated requests.
        var reservations = new List<AuditReservation>();
        while (trail.TryReserveRecord(out var reservation))
        {
            reservations.Add(reservation);
        }

        Assert.Equal(12, reservations.Count);
        Assert.Equal(1000 - 4, Volatile.Read(ref trail.Counters.Summarised));
        Assert.Equal(0, Volatile.Read(ref trail.Counters.Dropped));
        for (var i = 0; i < reservations.Count; i++)
        {
            Emit(trail, $"promised-{i}", AuditTestRecords.Allowed, reservations[i]);
        }

        release.Set();
        await trail.DisposeAsync();

        var lines = Lines(stream);
        Assert.Equal(12, lines.Count(l => l.Contains("\"request_id\":\"promised-", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("\"kind\":\"unrecorded_summary\",\"unrecorded\":996,", StringComparison.Ordinal));
        Assert.Equal(1, Volatile.Read(ref trail.Counters.Summaries));
    }

    [Fact(Timeout = 30_000)]
    public async Task TryReserveRecord_SinkFailing_RefusedNothingTaken()
    {
        using var dir = new TempDirectory();
        var stream = new FlakyStream(dir.File("audit.jsonl")) { Failing = true };
        var trail = AuditTrail.Start(new StreamAuditSink("flaky", () => stream), queueCapacity: 8, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        Emit(trail, "before", AuditTestRecords.Allowed);
        await AuditTestRecords.WaitUntilAsync(() => trail.IsSinkFailing, "the sink to fail");

        Assert.False(trail.TryReserveRecord(out var reservation));
        Assert.False(reservation.IsHeld);

        stream.Failing = false;
        await AuditTestRecords.WaitUntilAsync(() => !trail.IsSinkFailing, "the sink to recover");
        Assert.True(trail.TryReserveRecord(out reservation));
        Emit(trail, "after", AuditTestRecords.Allowed, reservation);
        await trail.DisposeAsync();
        Assert.Equal(2, Volatile.Read(ref trail.Counters.Written));
    }

    [Fact(Timeout = 30_000)]
    public async Task OnRequestCompleted_ReservationOfAnotherTrail_TakesRoomLikeAnyRecord()
    {
        using var release = new ManualResetEventSlim(false);
        var (trail, stream) = StartBlocked(release, capacity: 2);
        await using var other = AuditTrail.Start(new StreamAuditSink("other", () => new MemoryStream()), 2, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        AuditTestRecords.Emit(trail, 0);
        await AuditTestRecords.WaitUntilAsync(() => stream.Blocked, "the writer to block in the sink");
        Assert.True(other.TryReserveRecord(out var foreign));

        // A reservation is good only where it was taken: it cannot push a record past the room.
        for (var i = 0; i < 4; i++)
        {
            Emit(trail, $"r-{i}", AuditTestRecords.Allowed, foreign);
        }

        Assert.Equal(2, Volatile.Read(ref trail.Counters.Dropped));
        release.Set();
        await trail.DisposeAsync();
        Emit(other, "foreign", AuditTestRecords.Allowed, foreign);
    }

    [Fact(Timeout = 60_000)]
    public async Task OnRequestCompleted_ReservedAndSummarised_AllocatesNothingOnProducerThread()
    {
        using var dir = new TempDirectory();
        var trail = AuditTrail.Start(new FileAuditSink(dir.File("audit.jsonl"), 100L * 1024 * 1024, 10, NullLogger.Instance), 256, denyOnFailure: true, TimeProvider.System, NullLogger.Instance, FastRetry);
        var requestId = "00000001"u8.ToArray();

        void Run(int events)
        {
            for (var i = 0; i < events; i++)
            {
                var record = new RequestRecord
                {
                    StartUnixMilliseconds = AuditTestRecords.BaseTime + i,
                    RequestId = requestId,
                    ClientRequestId = "client-chosen"u8,
                    TraceId = "4bf92f3577b34da6a3ce929d0e0e4736"u8,
                    Protocol = "HTTP/1.1",
                    Method = "GET"u8,
                    Host = "api.example.com"u8,
                    Path = AuditTestRecords.DefaultPath,
                    Outcome = RequestOutcome.Forwarded,
                    Gate = AuditTestRecords.Allowed,
                    Status = 200,
                    AuditReservation = trail.TryReserveRecord(out var reservation) ? reservation : default,
                };
                trail.OnRequestCompleted(record);

                // Bursts of unauthenticated requests: beyond their share they only count.
                var denied = new RequestRecord
                {
                    StartUnixMilliseconds = AuditTestRecords.BaseTime + i,
                    RequestId = requestId,
                    TraceId = "4bf92f3577b34da6a3ce929d0e0e4736"u8,
                    Protocol = "HTTP/1.1",
                    Method = "GET"u8,
                    Host = "api.example.com"u8,
                    Path = AuditTestRecords.DefaultPath,
                    Outcome = RequestOutcome.Denied,
                    Gate = AuditTestRecords.Unauthenticated,
                    Status = 401,
                };
                for (var j = 0; j < 20; j++)
                {
                    trail.OnRequestCompleted(denied);
                }
            }
        }

        Run(500);
        var allocated = Allocations.FewestBytes(() => Run(500));
        await trail.DisposeAsync();

        Assert.Equal(0, allocated);
        Assert.True(Volatile.Read(ref trail.Counters.Summarised) > 0);
        var requests = Volatile.Read(ref trail.Counters.Written) - Volatile.Read(ref trail.Counters.Summaries);
        Assert.Equal(500L * 21 * 4, requests + Volatile.Read(ref trail.Counters.Summarised) + Volatile.Read(ref trail.Counters.Dropped));
    }
}
