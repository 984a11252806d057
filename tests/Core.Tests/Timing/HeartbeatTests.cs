using FastProxy.Core.Timing;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Timing;

public sealed class HeartbeatTests
{
    private sealed class RecordingHandler : IHeartbeatHandler
    {
        public List<long> Ticks { get; } = [];

        public void OnHeartbeat(long nowMilliseconds) => Ticks.Add(nowMilliseconds);
    }

    private sealed class ThrowingHandler : IHeartbeatHandler
    {
        public void OnHeartbeat(long nowMilliseconds) => throw new InvalidOperationException("bad handler");
    }

    [Fact]
    public void Tick_EveryInterval_VisitsRegisteredHandlersWithClock()
    {
        var time = new FakeTimeProvider();
        using var heartbeat = new Heartbeat(time, TimeSpan.FromSeconds(1));
        var handler = new RecordingHandler();
        heartbeat.Register(handler);

        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal([1000L, 2000L], handler.Ticks);
        Assert.Equal(2500, heartbeat.NowMilliseconds);
    }

    [Fact]
    public void Unregister_StopsVisits()
    {
        var time = new FakeTimeProvider();
        using var heartbeat = new Heartbeat(time, TimeSpan.FromSeconds(1));
        var handler = new RecordingHandler();
        heartbeat.Register(handler);
        time.Advance(TimeSpan.FromSeconds(1));

        heartbeat.Unregister(handler);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Single(handler.Ticks);
        Assert.Equal(0, heartbeat.Count);
    }

    [Fact]
    public void Tick_HandlerThrows_OthersStillVisited()
    {
        var time = new FakeTimeProvider();
        using var heartbeat = new Heartbeat(time, TimeSpan.FromSeconds(1));
        var good = new RecordingHandler();
        heartbeat.Register(new ThrowingHandler());
        heartbeat.Register(good);

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Single(good.Ticks);
    }

    [Fact]
    public void Dispose_StopsTicking()
    {
        var time = new FakeTimeProvider();
        var heartbeat = new Heartbeat(time, TimeSpan.FromSeconds(1));
        var handler = new RecordingHandler();
        heartbeat.Register(handler);

        heartbeat.Dispose();
        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Empty(handler.Ticks);
    }

    [Fact]
    public void Constructor_NonPositiveInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Heartbeat(new FakeTimeProvider(), TimeSpan.Zero));
    }
}
