using System.Net;
using FastProxy.Core.Upstream;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Upstream;

public sealed class UpstreamCircuitBreakerTests
{
    private const int TestTimeout = 30_000;

    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    private static UpstreamCluster NewCluster(IReadOnlyList<EndPoint> endpoints, int? maxConnections = null, int? maxPending = null, int maxConnectionsPerEndpoint = 16, TimeProvider? time = null) => new(
        "orders",
        endpoints,
        BalancePolicy.RoundRobin,
        new UpstreamPoolOptions
        {
            MaxConnectionsPerEndpoint = maxConnectionsPerEndpoint,
            MaxConnectionsPerCluster = maxConnections,
            MaxPendingRequestsPerCluster = maxPending,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        },
        time ?? TimeProvider.System,
        NullLogger.Instance);

    [Fact]
    public void TryOpenConnection_UpToTheLimit_ThenRefusedUntilOneCloses()
    {
        var breaker = new UpstreamCircuitBreaker("orders", new UpstreamPoolOptions { MaxConnectionsPerCluster = 2 }, NullLogger.Instance);

        Assert.True(breaker.TryOpenConnection());
        Assert.True(breaker.TryOpenConnection());
        Assert.False(breaker.TryOpenConnection());
        Assert.Equal(2, breaker.OpenConnections);

        breaker.ConnectionClosed();
        Assert.True(breaker.TryOpenConnection());
    }

    [Fact]
    public void TryAddPending_ZeroAllowed_AlwaysRefused()
    {
        var breaker = new UpstreamCircuitBreaker("orders", new UpstreamPoolOptions { MaxPendingRequestsPerCluster = 0 }, NullLogger.Instance);

        Assert.False(breaker.TryAddPending());
        Assert.Equal(0, breaker.PendingRequests);
    }

    [Fact]
    public void TryOpenConnectionAndTryAddPending_LimitsUnset_NeverRefusedButCounted()
    {
        var breaker = new UpstreamCircuitBreaker("orders", new UpstreamPoolOptions(), NullLogger.Instance);

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(breaker.TryOpenConnection());
            Assert.True(breaker.TryAddPending());
        }

        Assert.Equal(1000, breaker.OpenConnections);
        Assert.Equal(1000, breaker.PendingRequests);
    }

    [Fact]
    public void ThrowOpen_CountsPerLimit()
    {
        var breaker = new UpstreamCircuitBreaker("orders", new UpstreamPoolOptions { MaxConnectionsPerCluster = 1, MaxPendingRequestsPerCluster = 0 }, NullLogger.Instance);

        var ex = Assert.Throws<UpstreamCircuitBreakerOpenException>(() => breaker.ThrowOpen(CircuitBreakerLimit.MaxPendingRequests));

        Assert.Contains("'orders'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("max_pending_requests", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, breaker.Rejections(CircuitBreakerLimit.MaxPendingRequests));
        Assert.Equal(0, breaker.Rejections(CircuitBreakerLimit.MaxConnections));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_ClusterAtMaxConnectionsAndEndpointHasNone_RefusedAtOnceAndCounted()
    {
        using var a = new TestUpstream();
        using var b = new TestUpstream();
        await using var cluster = NewCluster([a.EndPoint, b.EndPoint], maxConnections: 1);
        var first = await cluster.Endpoints[0].AcquireAsync(CancellationToken.None);

        // No release at b could ever serve it: refused without waiting for the connect timeout.
        var ex = await Assert.ThrowsAsync<UpstreamCircuitBreakerOpenException>(async () => await cluster.Endpoints[1].AcquireAsync(CancellationToken.None));

        Assert.IsAssignableFrom<UpstreamOverloadedException>(ex);
        Assert.Equal(1, cluster.CircuitBreakerRejections(CircuitBreakerLimit.MaxConnections));
        Assert.Equal(0, cluster.CircuitBreakerRejections(CircuitBreakerLimit.MaxPendingRequests));
        Assert.Equal(0, cluster.Endpoints[1].OpenConnections);
        Assert.Equal(0, cluster.Endpoints[1].Outstanding);
        Assert.Equal(1, cluster.OpenConnections);
        cluster.Endpoints[0].Release(first, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_ClusterAtMaxConnections_WaitsForItsEndpointsRelease()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster([upstream.EndPoint], maxConnections: 1);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);

        // Below its own cap of 16, but the cluster's limit of 1 makes it wait like at the endpoint cap.
        var waiting = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, cluster.PendingRequests);

        endpoint.Release(first, reusable: true);
        var second = await waiting.WaitAsync(Step);

        Assert.Same(first.Connection, second.Connection);
        Assert.Equal(0, cluster.PendingRequests);
        Assert.Equal(1, cluster.OpenConnections);
        endpoint.Release(second, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_ClusterWaitQueueFull_RefusedAtOnceAndCounted()
    {
        using var a = new TestUpstream();
        using var b = new TestUpstream();
        await using var cluster = NewCluster([a.EndPoint, b.EndPoint], maxPending: 1, maxConnectionsPerEndpoint: 1);
        var atA = await cluster.Endpoints[0].AcquireAsync(CancellationToken.None);
        var atB = await cluster.Endpoints[1].AcquireAsync(CancellationToken.None);
        var waitingAtA = cluster.Endpoints[0].AcquireAsync(CancellationToken.None).AsTask();

        // b's own queue has room (4 per connection by default); the cluster's single place is taken at a.
        await Assert.ThrowsAsync<UpstreamCircuitBreakerOpenException>(async () => await cluster.Endpoints[1].AcquireAsync(CancellationToken.None));

        Assert.Equal(1, cluster.CircuitBreakerRejections(CircuitBreakerLimit.MaxPendingRequests));
        Assert.Equal(0, cluster.Endpoints[1].QueueRejections);
        Assert.Equal(0, cluster.Endpoints[1].PendingRequests);
        Assert.False(waitingAtA.IsCompleted);

        cluster.Endpoints[0].Release(atA, reusable: true);
        var served = await waitingAtA.WaitAsync(Step);
        Assert.Equal(0, cluster.PendingRequests);
        cluster.Endpoints[0].Release(served, reusable: true);
        cluster.Endpoints[1].Release(atB, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Release_NotReusable_FreesTheClusterConnectionForAnotherEndpoint()
    {
        using var a = new TestUpstream();
        using var b = new TestUpstream();
        await using var cluster = NewCluster([a.EndPoint, b.EndPoint], maxConnections: 1);
        var atA = await cluster.Endpoints[0].AcquireAsync(CancellationToken.None);

        cluster.Endpoints[0].Release(atA, reusable: false);
        var atB = await cluster.Endpoints[1].AcquireAsync(CancellationToken.None);

        Assert.Equal(1, cluster.OpenConnections);
        Assert.Equal(0, cluster.Endpoints[0].OpenConnections);
        Assert.Equal(1, cluster.Endpoints[1].OpenConnections);
        cluster.Endpoints[1].Release(atB, reusable: false);
        Assert.Equal(0, cluster.OpenConnections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_IdleConnectionReused_ClusterCountUnchanged()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster([upstream.EndPoint], maxConnections: 1);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);
        endpoint.Release(first, reusable: true);
        Assert.Equal(1, cluster.OpenConnections);

        var again = await endpoint.AcquireAsync(CancellationToken.None);

        Assert.True(again.IsReused);
        Assert.Equal(1, cluster.OpenConnections);
        endpoint.Release(again, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_QueuedWaiterTimedOut_FreesItsPlaceInTheClusterQueue()
    {
        using var upstream = new TestUpstream();
        var time = new FakeTimeProvider();
        await using var cluster = NewCluster([upstream.EndPoint], maxPending: 1, maxConnectionsPerEndpoint: 1, time: time);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);
        var timingOut = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        Assert.Equal(1, cluster.PendingRequests);

        time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<UpstreamPoolExhaustedException>(() => timingOut.WaitAsync(Step));

        Assert.Equal(0, cluster.PendingRequests);
        var waiting = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        endpoint.Release(first, reusable: true);
        var second = await waiting.WaitAsync(Step);
        Assert.Equal(0, cluster.CircuitBreakerRejections(CircuitBreakerLimit.MaxPendingRequests));
        endpoint.Release(second, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DisposeAsync_IdleConnectionsAndWaiters_LeaveTheClusterCounts()
    {
        using var a = new TestUpstream();
        using var b = new TestUpstream();
        var cluster = NewCluster([a.EndPoint, b.EndPoint], maxConnectionsPerEndpoint: 1);
        var idle = await cluster.Endpoints[0].AcquireAsync(CancellationToken.None);
        cluster.Endpoints[0].Release(idle, reusable: true);
        var busy = await cluster.Endpoints[1].AcquireAsync(CancellationToken.None);
        var waiting = cluster.Endpoints[1].AcquireAsync(CancellationToken.None).AsTask();
        Assert.Equal(2, cluster.OpenConnections);
        Assert.Equal(1, cluster.PendingRequests);

        await cluster.DisposeAsync();

        await Assert.ThrowsAsync<UpstreamClusterRetiredException>(() => waiting.WaitAsync(Step));
        Assert.Equal(0, cluster.PendingRequests);
        Assert.Equal(1, cluster.OpenConnections);
        cluster.Endpoints[1].Release(busy, reusable: true);
        Assert.Equal(0, cluster.OpenConnections);
    }
}
