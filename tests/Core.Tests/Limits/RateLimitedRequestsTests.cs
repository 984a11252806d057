using FastProxy.Core.Limits;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Limits;

public sealed class RateLimitedRequestsTests
{
    [Fact]
    public void Add_FloodWithinOneSecond_CountsAllLogsOnce()
    {
        var time = new FakeTimeProvider();
        var refused = new RateLimitedRequests();
        var logged = 0;
        for (var i = 0; i < 1000; i++)
        {
            logged += refused.Add(time, time.GetTimestamp()) ? 1 : 0;
        }

        Assert.Equal(1000, refused.Count);
        Assert.Equal(1, logged);
    }

    [Fact]
    public void Add_NextSecond_LogsAgain()
    {
        var time = new FakeTimeProvider();
        var refused = new RateLimitedRequests();
        Assert.True(refused.Add(time, time.GetTimestamp()));
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(refused.Add(time, time.GetTimestamp()));
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(refused.Add(time, time.GetTimestamp()));
    }
}
