using FastProxy.Host.Audit;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Host.Tests.Audit;

public class AuditQueueTests
{
    [Fact]
    public void TryClaim_CapacityRoundedUpToPowerOfTwo_FullThenRefuses()
    {
        var queue = new AuditQueue(5);

        Assert.Equal(8, queue.Capacity);
        for (var i = 0; i < 8; i++)
        {
            Assert.True(queue.TryClaim(out var slot, out var position));
            queue.Publish(position);
        }

        Assert.False(queue.TryClaim(out _, out _));
        Assert.Equal(8, queue.Count);
    }

    [Fact]
    public void Peek_UnpublishedSlot_NotVisibleUntilPublished()
    {
        var queue = new AuditQueue(4);
        Assert.True(queue.TryClaim(out var slot, out var position));

        Assert.Null(queue.Peek());
        queue.Publish(position);
        Assert.Same(slot, queue.Peek());
        queue.Release(slot);
        Assert.Null(queue.Peek());
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Release_WrapsAround_SlotsReusedInOrder()
    {
        var queue = new AuditQueue(2);
        for (var round = 0; round < 10; round++)
        {
            Assert.True(queue.TryClaim(out var slot, out var position));
            Assert.Equal(round, position);
            queue.Publish(position);
            Assert.Same(slot, queue.Peek());
            queue.Release(slot);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task OnRequestCompleted_ManyProducers_EachRecordWrittenOnceOrCountedDropped()
    {
        using var dir = new TempDirectory();
        var path = dir.File("audit.jsonl");
        var trail = AuditTrail.Start(new FileAuditSink(path, 1L << 30, 10, NullLogger.Instance), 64, true, TimeProvider.System, NullLogger.Instance, TimeSpan.FromMilliseconds(20));
        const int Producers = 4;
        const int PerProducer = 5000;
        var tasks = new Task[Producers];
        for (var p = 0; p < Producers; p++)
        {
            var producer = p;
            tasks[p] = Task.Factory.StartNew(
                () =>
                {
                    for (var i = 0; i < PerProducer; i++)
                    {
                        AuditTestRecords.Emit(trail, (producer * PerProducer) + i);
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        await Task.WhenAll(tasks);
        await trail.DisposeAsync();

        var ids = AuditTestRecords.ReadRecords(path).Select(r => r.GetProperty("request_id").GetString()).ToList();
        var written = Volatile.Read(ref trail.Counters.Written);
        Assert.Equal(written, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Producers * PerProducer, written + Volatile.Read(ref trail.Counters.Dropped));
        Assert.True(AuditVerifier.Verify([path]).Intact);
    }
}
