using System.Net;
using FastProxy.Core.Upstream;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Upstream;

public sealed class EndpointHealthTests
{
    // Health never connects: the address need not be live (TEST-NET-1, RFC 5737).
    private static readonly EndPoint Address = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80);

    private static EndpointHealth NewHealth(TimeProvider time, int ejectAfter = 3) =>
        new("c", Address, new UpstreamPoolOptions { EjectAfterConsecutiveFailures = ejectAfter, EjectionDuration = TimeSpan.FromSeconds(10) }, time, NullLogger.Instance);

    [Fact]
    public void LeaseStartedAndEnded_CountRequestsInFlight()
    {
        var health = NewHealth(new FakeTimeProvider());

        health.LeaseStarted();
        health.LeaseStarted();
        health.LeaseEnded();

        Assert.Equal(1, health.Outstanding);
    }

    [Fact]
    public void ReportFailure_ThresholdZero_NeverEjects()
    {
        var health = NewHealth(new FakeTimeProvider(), ejectAfter: 0);

        for (var i = 0; i < 100; i++)
        {
            health.ReportFailure();
        }

        Assert.False(health.IsEjected);
        Assert.Equal(0, health.Ejections);
        Assert.Equal(0, health.ConsecutiveFailures);
    }

    [Fact]
    public void ReportFailure_ManyThreadsAtOnce_EachThresholdEjectsOnce()
    {
        var health = NewHealth(new FakeTimeProvider(), ejectAfter: 3);

        Parallel.For(0, 300, _ => health.ReportFailure());

        // 300 failures in runs of 3: the count is reset by the one caller that ejects, so at most 100 ejections.
        Assert.True(health.IsEjected);
        Assert.InRange(health.Ejections, 1, 100);
    }

    [Fact]
    public void IsEjected_AfterTheDuration_BackInRotationAndCountKept()
    {
        var time = new FakeTimeProvider();
        var health = NewHealth(time, ejectAfter: 1);

        health.ReportFailure();
        Assert.True(health.IsEjected);
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.False(health.IsEjected);
        Assert.Equal(1, health.Ejections);
    }
}
