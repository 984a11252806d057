using System.Net;
using FastProxy.Core.Upstream;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Upstream;

/// <summary>
/// A cluster is never left with nothing to try: below the panic threshold every endpoint takes requests, and an
/// ejected endpoint earns its way back with a trial request after a short backoff.
/// </summary>
public sealed class UpstreamClusterPanicTests
{
    // TryPick never connects, so these addresses need not be live (TEST-NET-1, RFC 5737).
    private static readonly EndPoint[] ThreeEndpoints =
    [
        new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80),
        new IPEndPoint(IPAddress.Parse("192.0.2.2"), 80),
        new IPEndPoint(IPAddress.Parse("192.0.2.3"), 80),
    ];

    private static UpstreamCluster NewCluster(FakeTimeProvider time, IReadOnlyList<EndPoint> endpoints, int panicThresholdPercent = 50, double trialSeconds = 1) =>
        new("c", endpoints, BalancePolicy.RoundRobin, new UpstreamPoolOptions
        {
            EjectAfterConsecutiveFailures = 1,
            EjectionDuration = TimeSpan.FromSeconds(30),
            TrialBackoff = TimeSpan.FromSeconds(trialSeconds),
            PanicThresholdPercent = panicThresholdPercent,
        }, time, NullLogger.Instance);

    [Fact]
    public void TryPick_OnlyEndpointEjected_StillPickedInPanic()
    {
        var cluster = NewCluster(new FakeTimeProvider(), [ThreeEndpoints[0]]);
        cluster.Endpoints[0].ReportFailure();
        Assert.True(cluster.Endpoints[0].IsEjected);

        Assert.True(cluster.TryPick(out var picked));

        Assert.Same(cluster.Endpoints[0], picked);
        Assert.True(cluster.InPanic);
        Assert.Equal(1, cluster.PanicPicks);
    }

    [Fact]
    public void TryPick_OnlyEndpointBackAfterEjection_OneSuccessEndsTheEjectionAndThePanic()
    {
        var cluster = NewCluster(new FakeTimeProvider(), [ThreeEndpoints[0]]);
        var endpoint = cluster.Endpoints[0];
        endpoint.ReportFailure();
        Assert.True(cluster.TryPick(out _));

        endpoint.ReportSuccess();

        Assert.False(endpoint.IsEjected);
        Assert.True(cluster.TryPick(out _));
        Assert.False(cluster.InPanic);
        Assert.Equal(1, cluster.PanicPicks);
    }

    [Fact]
    public void TryPick_TwoOfThreeEjected_BelowHalfHealthy_RequestsGoToEveryEndpoint()
    {
        var cluster = NewCluster(new FakeTimeProvider(), ThreeEndpoints);
        cluster.Endpoints[0].ReportFailure();
        cluster.Endpoints[1].ReportFailure();

        var seen = new HashSet<UpstreamEndpoint>();
        for (var i = 0; i < 9; i++)
        {
            Assert.True(cluster.TryPick(out var picked));
            seen.Add(picked);
        }

        Assert.Equal(3, seen.Count);
        Assert.Equal(9, cluster.PanicPicks);
    }

    [Fact]
    public void TryPick_OneOfThreeEjected_AboveThreshold_SkipsItWithoutPanic()
    {
        var cluster = NewCluster(new FakeTimeProvider(), ThreeEndpoints);
        cluster.Endpoints[1].ReportFailure();

        for (var i = 0; i < 9; i++)
        {
            Assert.True(cluster.TryPick(out var picked));
            Assert.NotSame(cluster.Endpoints[1], picked);
        }

        Assert.False(cluster.InPanic);
        Assert.Equal(0, cluster.PanicPicks);
    }

    [Fact]
    public void TryPick_EjectedEndpointAfterTheTrialBackoff_GetsExactlyOneTrialRequest()
    {
        var time = new FakeTimeProvider();
        var cluster = NewCluster(time, ThreeEndpoints);
        var ejected = cluster.Endpoints[1];
        ejected.ReportFailure();

        time.Advance(TimeSpan.FromSeconds(1));
        var picks = new List<UpstreamEndpoint>();
        for (var i = 0; i < 6; i++)
        {
            Assert.True(cluster.TryPick(out var picked));
            picks.Add(picked);
        }

        Assert.Single(picks, p => ReferenceEquals(p, ejected));
        Assert.Equal(1, ejected.TrialRequests);
        Assert.True(ejected.IsEjected);
    }

    [Fact]
    public void TryPick_TrialSucceeds_EndpointBackInRotationAtOnce()
    {
        var time = new FakeTimeProvider();
        var cluster = NewCluster(time, ThreeEndpoints);
        var ejected = cluster.Endpoints[1];
        ejected.ReportFailure();
        time.Advance(TimeSpan.FromSeconds(1));
        UpstreamEndpoint trial;
        do
        {
            Assert.True(cluster.TryPick(out trial));
        }
        while (!ReferenceEquals(trial, ejected));

        trial.ReportSuccess();

        Assert.False(ejected.IsEjected);
        var seen = new HashSet<UpstreamEndpoint>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(cluster.TryPick(out var picked));
            seen.Add(picked);
        }

        Assert.Contains(ejected, seen);
    }

    [Fact]
    public void TryPick_TrialFails_NextTrialWaitsADoubledBackoff()
    {
        var time = new FakeTimeProvider();
        var cluster = NewCluster(time, ThreeEndpoints);
        var ejected = cluster.Endpoints[1];
        ejected.ReportFailure();
        time.Advance(TimeSpan.FromSeconds(1));
        PickUntil(cluster, ejected);
        ejected.ReportFailure();

        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(PicksWithin(cluster, ejected, 6));

        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(PicksWithin(cluster, ejected, 6));
        Assert.Equal(2, ejected.TrialRequests);
    }

    [Fact]
    public void TryPick_TrialBackoffZero_NoTrialUntilTheEjectionEnds()
    {
        var time = new FakeTimeProvider();
        var cluster = NewCluster(time, ThreeEndpoints, trialSeconds: 0);
        var ejected = cluster.Endpoints[1];
        ejected.ReportFailure();

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(PicksWithin(cluster, ejected, 6));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(PicksWithin(cluster, ejected, 6));
        Assert.Equal(0, ejected.TrialRequests);
    }

    private static void PickUntil(UpstreamCluster cluster, UpstreamEndpoint wanted)
    {
        Assert.True(PicksWithin(cluster, wanted, 6));
    }

    private static bool PicksWithin(UpstreamCluster cluster, UpstreamEndpoint wanted, int picks)
    {
        for (var i = 0; i < picks; i++)
        {
            Assert.True(cluster.TryPick(out var picked));
            if (ReferenceEquals(picked, wanted))
            {
                return true;
            }
        }

        return false;
    }
}
