using FastProxy.Core.Limits;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Limits;

public sealed class RequestRateBucketTests
{
    // A clock in milliseconds keeps the arithmetic readable: at 10/s a token comes back every 100 units.
    private const long Frequency = 1000;

    private static int TakeAll(ref RequestRateBucket bucket, long now, int attempts)
    {
        var taken = 0;
        for (var i = 0; i < attempts; i++)
        {
            if (bucket.TryTake(now))
            {
                taken++;
            }
        }

        return taken;
    }

    [Fact]
    public void TryTake_Unlimited_AlwaysTrue()
    {
        var bucket = new RequestRateBucket(RequestRateLimit.Unlimited, Frequency, 0);

        Assert.False(bucket.IsLimited);
        Assert.Equal(100_000, TakeAll(ref bucket, 0, 100_000));
    }

    [Fact]
    public void TryTake_DefaultBucket_Unlimited()
    {
        var bucket = default(RequestRateBucket);

        Assert.False(bucket.IsLimited);
        Assert.True(bucket.TryTake(42));
    }

    [Fact]
    public void TryTake_BurstDefaultsToTheRate_OneSecondsWorthAtOnce()
    {
        var bucket = new RequestRateBucket(new RequestRateLimit(10), Frequency, 5_000);

        Assert.True(bucket.IsLimited);
        Assert.Equal(10, TakeAll(ref bucket, 5_000, 50));
    }

    [Fact]
    public void TryTake_ExplicitBurst_ThatManyAtOnce()
    {
        var bucket = new RequestRateBucket(new RequestRateLimit(10, 3), Frequency, 0);

        Assert.Equal(3, TakeAll(ref bucket, 0, 50));
    }

    [Fact]
    public void TryTake_AfterTheBurst_OneTokenPerInterval()
    {
        var bucket = new RequestRateBucket(new RequestRateLimit(10, 2), Frequency, 0);
        TakeAll(ref bucket, 0, 2);

        Assert.False(bucket.TryTake(99));
        Assert.True(bucket.TryTake(100));
        Assert.False(bucket.TryTake(150));
        Assert.True(bucket.TryTake(200));
    }

    [Fact]
    public void TryTake_SteadyAtTheRate_NeverRefused()
    {
        var bucket = new RequestRateBucket(new RequestRateLimit(10, 1), Frequency, 0);

        for (long now = 0; now < 100_000; now += 100)
        {
            Assert.True(bucket.TryTake(now));
        }
    }

    [Fact]
    public void TryTake_RefusalsTakeNothing_RefillUnaffected()
    {
        var bucket = new RequestRateBucket(new RequestRateLimit(10, 2), Frequency, 0);
        TakeAll(ref bucket, 0, 2);

        // A flood of refused attempts must not push the next token further away.
        Assert.Equal(0, TakeAll(ref bucket, 50, 1_000));
        Assert.True(bucket.TryTake(100));
    }

    [Fact]
    public void TryTake_LongIdle_RefillsOnlyUpToTheBurst()
    {
        var bucket = new RequestRateBucket(new RequestRateLimit(10, 4), Frequency, 0);
        TakeAll(ref bucket, 0, 4);

        Assert.Equal(4, TakeAll(ref bucket, 3_600_000, 50));
    }

    [Fact]
    public void TryTake_PartialRefill_OnlyTheTokensThatCameBack()
    {
        var bucket = new RequestRateBucket(new RequestRateLimit(10, 5), Frequency, 0);
        TakeAll(ref bucket, 0, 5);

        Assert.Equal(3, TakeAll(ref bucket, 300, 50));
    }

    [Fact]
    public void TryTake_ClockWrapsPastLongMaxValue_KeepsCounting()
    {
        var start = long.MaxValue - 150;
        var bucket = new RequestRateBucket(new RequestRateLimit(10, 2), Frequency, start);
        Assert.Equal(2, TakeAll(ref bucket, start, 5));

        // 100 units later the clock has wrapped to negative values: one token came back, not zero and not "infinitely many".
        var wrapped = unchecked(start + 200);
        Assert.True(wrapped < 0);
        Assert.Equal(2, TakeAll(ref bucket, wrapped, 5));
        Assert.Equal(1, TakeAll(ref bucket, unchecked(wrapped + 100), 5));
    }

    [Fact]
    public void TryTake_RealClockFrequency_RateHolds()
    {
        var time = new FakeTimeProvider();
        var bucket = new RequestRateBucket(new RequestRateLimit(1000, 1000), time.TimestampFrequency, time.GetTimestamp());
        var taken = TakeAll(ref bucket, time.GetTimestamp(), 5_000);

        time.Advance(TimeSpan.FromSeconds(2));
        taken += TakeAll(ref bucket, time.GetTimestamp(), 5_000);

        // The burst, then two seconds' worth (capped at the burst of 1000).
        Assert.Equal(2000, taken);
    }

    [Fact]
    public void RequestRateLimit_NoBurst_BurstIsTheRate()
    {
        Assert.Equal(25, new RequestRateLimit(25).Burst);
        Assert.Equal(7, new RequestRateLimit(25, 7).Burst);
        Assert.True(new RequestRateLimit(0, 0).IsUnlimited);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RequestRateLimit(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RequestRateLimit(1, -1));
    }
}
