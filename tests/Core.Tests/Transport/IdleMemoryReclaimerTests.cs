using FastProxy.Core.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Transport;

public sealed class IdleMemoryReclaimerTests
{
    private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(2);

    [Fact]
    public void Check_IdleLongEnoughAfterActivity_TrimsPoolOnce()
    {
        var time = new FakeTimeProvider();
        using var pool = new PinnedBlockMemoryPool();
        using var reclaimer = new IdleMemoryReclaimer(pool, IdleAfter, time, NullLogger.Instance);
        Burst(pool, IdleMemoryReclaimer.RetainedBlocksKept + 36);

        reclaimer.Check(); // sees the activity
        time.Advance(TimeSpan.FromSeconds(1));
        reclaimer.Check();
        Assert.Equal(0, reclaimer.Reclaims);
        Assert.Equal(IdleMemoryReclaimer.RetainedBlocksKept + 36, pool.RetainedCount);

        time.Advance(TimeSpan.FromSeconds(1));
        reclaimer.Check();
        Assert.Equal(1, reclaimer.Reclaims);
        Assert.Equal(IdleMemoryReclaimer.RetainedBlocksKept, pool.RetainedCount);

        // Still idle: nothing grew, so nothing is collected again.
        time.Advance(TimeSpan.FromSeconds(10));
        reclaimer.Check();
        Assert.Equal(1, reclaimer.Reclaims);
    }

    [Fact]
    public void Check_ActivityKeepsGoing_NeverReclaims()
    {
        var time = new FakeTimeProvider();
        using var pool = new PinnedBlockMemoryPool();
        using var reclaimer = new IdleMemoryReclaimer(pool, IdleAfter, time, NullLogger.Instance);

        for (var i = 0; i < 10; i++)
        {
            Burst(pool, 1);
            time.Advance(TimeSpan.FromSeconds(1));
            reclaimer.Check();
        }

        Assert.Equal(0, reclaimer.Reclaims);
    }

    [Fact]
    public void Check_NewBurstAfterReclaim_ReclaimsAgainOnceIdle()
    {
        var time = new FakeTimeProvider();
        using var pool = new PinnedBlockMemoryPool();
        using var reclaimer = new IdleMemoryReclaimer(pool, IdleAfter, time, NullLogger.Instance);
        Burst(pool, 1);
        reclaimer.Check();
        time.Advance(IdleAfter);
        reclaimer.Check();
        Assert.Equal(1, reclaimer.Reclaims);

        Burst(pool, 1);
        reclaimer.Check();
        time.Advance(IdleAfter);
        reclaimer.Check();
        Assert.Equal(2, reclaimer.Reclaims);
    }

    private static void Burst(PinnedBlockMemoryPool pool, int blocks)
    {
        var rented = Enumerable.Range(0, blocks).Select(_ => pool.Rent()).ToList();
        rented.ForEach(b => b.Dispose());
    }
}
