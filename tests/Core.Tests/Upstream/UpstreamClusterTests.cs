using System.Net;
using FastProxy.Core.Upstream;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Upstream;

public sealed class UpstreamClusterTests
{
    private const int TestTimeout = 30_000;

    // TryPick never connects, so these addresses need not be live (TEST-NET-1, RFC 5737).
    private static readonly EndPoint[] ThreeEndpoints =
    [
        new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80),
        new IPEndPoint(IPAddress.Parse("192.0.2.2"), 80),
        new IPEndPoint(IPAddress.Parse("192.0.2.3"), 80),
    ];

    private static UpstreamCluster NewCluster(BalancePolicy policy, TimeProvider? time = null, IReadOnlyList<EndPoint>? endpoints = null, int panicThresholdPercent = 50) =>
        new("c", endpoints ?? ThreeEndpoints, policy, new UpstreamPoolOptions { EjectAfterConsecutiveFailures = 1, EjectionDuration = TimeSpan.FromSeconds(10), PanicThresholdPercent = panicThresholdPercent }, time ?? new FakeTimeProvider(), NullLogger.Instance);

    [Fact]
    public void Constructor_NegativeQueueBound_Refused()
    {
        Assert.Throws<ArgumentException>(() => new UpstreamCluster("bad", ThreeEndpoints, BalancePolicy.RoundRobin, new UpstreamPoolOptions { MaxPendingRequestsPerEndpoint = -1 }, new FakeTimeProvider(), NullLogger.Instance));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(null, -1)]
    public void Constructor_BadCircuitBreakerLimit_Refused(int? maxConnections, int? maxPending)
    {
        Assert.Throws<ArgumentException>(() => new UpstreamCluster("bad", ThreeEndpoints, BalancePolicy.RoundRobin, new UpstreamPoolOptions { MaxConnectionsPerCluster = maxConnections, MaxPendingRequestsPerCluster = maxPending }, new FakeTimeProvider(), NullLogger.Instance));
    }

    [Fact]
    public void TryPick_RoundRobin_CyclesEvenly()
    {
        var cluster = NewCluster(BalancePolicy.RoundRobin);
        var counts = new Dictionary<UpstreamEndpoint, int>();
        var sequence = new List<int>();
        for (var i = 0; i < 300; i++)
        {
            Assert.True(cluster.TryPick(out var endpoint));
            counts[endpoint] = counts.GetValueOrDefault(endpoint) + 1;
            sequence.Add(IndexOf(cluster, endpoint));
        }

        Assert.All(cluster.Endpoints, e => Assert.Equal(100, counts[e]));
        Assert.Equal([0, 1, 2, 0, 1, 2], sequence.Take(6));
    }

    [Fact]
    public void TryPick_RoundRobinWithEjected_SkipsIt()
    {
        var cluster = NewCluster(BalancePolicy.RoundRobin);
        cluster.Endpoints[1].ReportFailure();
        Assert.True(cluster.Endpoints[1].IsEjected);

        var seen = new HashSet<int>();
        for (var i = 0; i < 30; i++)
        {
            Assert.True(cluster.TryPick(out var endpoint));
            seen.Add(IndexOf(cluster, endpoint));
        }

        Assert.Equal([0, 2], seen.Order());
    }

    [Fact]
    public void TryPick_AllEjectedWithPanicOff_ReturnsFalseUntilTheEjectionEnds()
    {
        var time = new FakeTimeProvider();
        var cluster = NewCluster(BalancePolicy.LeastRequests, time, panicThresholdPercent: 0);
        foreach (var endpoint in cluster.Endpoints)
        {
            endpoint.ReportFailure();
        }

        Assert.False(cluster.TryPick(out _));

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(cluster.TryPick(out _));
    }

    [Fact]
    public void TryPick_LeastRequestsNoLoad_TiesGoRoundRobin()
    {
        var cluster = NewCluster(BalancePolicy.LeastRequests);
        var sequence = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            Assert.True(cluster.TryPick(out var endpoint));
            sequence.Add(IndexOf(cluster, endpoint));
        }

        Assert.Equal([0, 1, 2, 0, 1, 2], sequence);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task TryPick_LeastRequests_PrefersEndpointWithFewestLeases()
    {
        using var a = new TestUpstream();
        using var b = new TestUpstream();
        await using var cluster = new UpstreamCluster("lr", [a.EndPoint, b.EndPoint], BalancePolicy.LeastRequests, new UpstreamPoolOptions(), TimeProvider.System, NullLogger.Instance);
        var busy = cluster.Endpoints[0];
        var leases = new List<UpstreamLease>();
        for (var i = 0; i < 3; i++)
        {
            leases.Add(await busy.AcquireAsync(CancellationToken.None));
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.True(cluster.TryPick(out var picked));
            Assert.Same(cluster.Endpoints[1], picked);
        }

        // Load the other one more: the first becomes the least loaded.
        for (var i = 0; i < 4; i++)
        {
            leases.Add(await cluster.Endpoints[1].AcquireAsync(CancellationToken.None));
        }

        Assert.True(cluster.TryPick(out var now));
        Assert.Same(busy, now);

        foreach (var lease in leases)
        {
            lease.Endpoint.Release(lease, reusable: true);
        }
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DisposeAsync_ClosesIdleConnections_LateAcquireRefusedAsRetired()
    {
        using var upstream = new TestUpstream();
        var cluster = new UpstreamCluster("d", [upstream.EndPoint], BalancePolicy.RoundRobin, new UpstreamPoolOptions(), TimeProvider.System, NullLogger.Instance);
        var lease = await cluster.Endpoints[0].AcquireAsync(CancellationToken.None);
        cluster.Endpoints[0].Release(lease, reusable: true);

        await cluster.DisposeAsync();

        Assert.Equal(0, cluster.Endpoints[0].IdleCount);
        await Assert.ThrowsAsync<UpstreamClusterRetiredException>(async () => await cluster.Endpoints[0].AcquireAsync(CancellationToken.None));
    }

    [Fact]
    public void Constructor_NoEndpoints_Throws()
    {
        Assert.Throws<ArgumentException>(() => new UpstreamCluster("empty", [], BalancePolicy.RoundRobin, new UpstreamPoolOptions(), TimeProvider.System, NullLogger.Instance));
    }

    private static int IndexOf(UpstreamCluster cluster, UpstreamEndpoint endpoint)
    {
        for (var i = 0; i < cluster.Endpoints.Count; i++)
        {
            if (ReferenceEquals(cluster.Endpoints[i], endpoint))
            {
                return i;
            }
        }

        return -1;
    }
}
