using FastProxy.Core.Transport;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Transport;

public sealed class AcceptRateLimiterTests
{
    [Fact]
    public void Take_WithinOneSecondsWorth_NoWait()
    {
        var limiter = new AcceptRateLimiter(10, new FakeTimeProvider());

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(TimeSpan.Zero, limiter.Take());
        }
    }

    [Fact]
    public void Take_PastTheBurst_WaitsForTheNextToken()
    {
        var limiter = new AcceptRateLimiter(10, new FakeTimeProvider());
        for (var i = 0; i < 10; i++)
        {
            limiter.Take();
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Take());
        Assert.Equal(TimeSpan.FromMilliseconds(200), limiter.Take());
    }

    [Fact]
    public void Take_AfterIdleTime_RefilledUpToOneSecondsWorth()
    {
        var time = new FakeTimeProvider();
        var limiter = new AcceptRateLimiter(10, time);
        for (var i = 0; i < 12; i++)
        {
            limiter.Take();
        }

        time.Advance(TimeSpan.FromSeconds(60));

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(TimeSpan.Zero, limiter.Take());
        }

        Assert.NotEqual(TimeSpan.Zero, limiter.Take());
    }
}
