using FastProxy.Core.Transport;
using FastProxy.Core.Upstream;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Upstream;

public sealed class UpstreamEndpointTests
{
    private const int TestTimeout = 30_000;

    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    private const string Response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    // What an upstream answers to a smuggled second request: bytes the proxy never asked for.
    private const string SmuggledResponse = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret";

    private static UpstreamCluster NewCluster(TestUpstream upstream, TimeProvider? time = null, int maxConnections = 16, int maxIdle = 8, TimeSpan? connectTimeout = null, int? maxPending = null, bool epoll = false) => new(
        "test",
        [upstream.EndPoint],
        BalancePolicy.RoundRobin,
        new UpstreamPoolOptions
        {
            MaxConnectionsPerEndpoint = maxConnections,
            MaxIdlePerEndpoint = maxIdle,
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(5),
            MaxPendingRequestsPerEndpoint = maxPending,
            ConnectionOptions = new SocketConnectionOptions { Epoll = epoll ? FastProxy.Core.Transport.Epoll.EpollEngine.Shared() : null },
        },
        time ?? TimeProvider.System,
        NullLogger.Instance);

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_AfterReusableRelease_ReturnsSameConnection()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream);
        var endpoint = cluster.Endpoints[0];

        var first = await endpoint.AcquireAsync(CancellationToken.None);
        Assert.False(first.IsReused);
        Assert.Equal(1, endpoint.Outstanding);
        endpoint.Release(first, reusable: true);
        Assert.Equal(0, endpoint.Outstanding);
        Assert.Equal(1, endpoint.IdleCount);

        var second = await endpoint.AcquireAsync(CancellationToken.None);
        Assert.True(second.IsReused);
        Assert.Same(first.Connection, second.Connection);
        Assert.Same(endpoint, second.Endpoint);
        Assert.Equal(1, endpoint.OpenConnections);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "one accepted connection");
        endpoint.Release(second, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_IdleConnectionClosedByUpstream_DiscardedAndNewOneOpened()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream);
        var endpoint = cluster.Endpoints[0];

        var first = await endpoint.AcquireAsync(CancellationToken.None);
        endpoint.Release(first, reusable: true);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "accepted");
        upstream.Accepted[0].Close();
        await LoopbackHelpers.WaitUntilAsync(() => first.Connection.IsInputEnded, "the pooled connection to see FIN");

        var second = await endpoint.AcquireAsync(CancellationToken.None);

        Assert.False(second.IsReused);
        Assert.NotSame(first.Connection, second.Connection);
        Assert.Equal(1, endpoint.OpenConnections);
        endpoint.Release(second, reusable: false);
        Assert.Equal(0, endpoint.OpenConnections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_IdleConnectionWithStrayBytes_Discarded()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream);
        var endpoint = cluster.Endpoints[0];

        var first = await endpoint.AcquireAsync(CancellationToken.None);
        endpoint.Release(first, reusable: true);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "accepted");
        await LoopbackHelpers.SendAsync(upstream.Accepted[0], "HTTP/1.1 408 Request Timeout\r\n\r\n");
        await LoopbackHelpers.WaitUntilAsync(() => first.Connection.Input.TryRead(out var r) && Peek(first.Connection, r), "stray bytes to arrive");

        var second = await endpoint.AcquireAsync(CancellationToken.None);

        Assert.False(second.IsReused);
        Assert.NotSame(first.Connection, second.Connection);
        endpoint.Release(second, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_AtMaxConnections_WaitsForRelease()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, maxConnections: 1);
        var endpoint = cluster.Endpoints[0];

        var first = await endpoint.AcquireAsync(CancellationToken.None);
        var waiting = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);

        endpoint.Release(first, reusable: true);
        var second = await waiting.WaitAsync(Step);

        Assert.True(second.IsReused);
        Assert.Same(first.Connection, second.Connection);
        Assert.Equal(1, endpoint.Outstanding);
        Assert.Equal(1, endpoint.OpenConnections);
        endpoint.Release(second, reusable: false);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_AtMaxConnectionsAndReleasedNotReusable_WaiterConnectsNew()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, maxConnections: 1);
        var endpoint = cluster.Endpoints[0];

        var first = await endpoint.AcquireAsync(CancellationToken.None);
        var waiting = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        endpoint.Release(first, reusable: false);
        var second = await waiting.WaitAsync(Step);

        Assert.False(second.IsReused);
        Assert.NotSame(first.Connection, second.Connection);
        Assert.Equal(1, endpoint.OpenConnections);
        endpoint.Release(second, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_AtMaxConnectionsPastConnectTimeout_ThrowsPoolExhausted()
    {
        using var upstream = new TestUpstream();
        var time = new FakeTimeProvider();
        await using var cluster = NewCluster(upstream, time, maxConnections: 1, connectTimeout: TimeSpan.FromSeconds(5));
        var endpoint = cluster.Endpoints[0];

        var first = await endpoint.AcquireAsync(CancellationToken.None);
        var waiting = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<UpstreamPoolExhaustedException>(() => waiting.WaitAsync(Step));

        // The timed-out waiter is gone: a later release goes to the idle stack.
        endpoint.Release(first, reusable: true);
        Assert.Equal(1, endpoint.IdleCount);
        Assert.Equal(0, endpoint.Outstanding);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_Canceled_ThrowsAndLeavesNoWaiter()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, maxConnections: 1);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var waiting = endpoint.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Step));
        endpoint.Release(first, reusable: true);
        Assert.Equal(1, endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_ClosedPort_ThrowsConnectExceptionAndFreesSlot()
    {
        await using var cluster = new UpstreamCluster("down", [LoopbackHelpers.ClosedPortV4()], BalancePolicy.RoundRobin, new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 1 }, TimeProvider.System, NullLogger.Instance);
        var endpoint = cluster.Endpoints[0];

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(async () => await endpoint.AcquireAsync(CancellationToken.None));
        Assert.False(ex.IsTimeout);
        Assert.Equal(0, endpoint.OpenConnections);
        Assert.Equal(0, endpoint.Outstanding);

        // The slot was returned: a second attempt fails the same way instead of waiting.
        await Assert.ThrowsAsync<UpstreamConnectException>(async () => await endpoint.AcquireAsync(CancellationToken.None));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Release_WaiterQueuedAndUpstreamSentBytesAfterTheResponse_WaiterGetsAFreshConnection()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, maxConnections: 1);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "accepted");
        await LoopbackHelpers.SendAsync(upstream.Accepted[0], Response + SmuggledResponse);
        await ReadOneResponseAsync(first.Connection, Response.Length, Response.Length + SmuggledResponse.Length);
        var waiting = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        endpoint.Release(first, reusable: true);
        var second = await waiting.WaitAsync(Step);

        // The waiter must never read the response to a request it did not send.
        Assert.NotSame(first.Connection, second.Connection);
        Assert.False(second.IsReused);
        Assert.Equal(1, endpoint.OpenConnections);
        Assert.Equal(1, endpoint.Outstanding);
        Assert.Equal(1, endpoint.UnsolicitedBytesClosures);
        var (_, cleanFin) = await LoopbackHelpers.ReceiveToEndAsync(upstream.Accepted[0]);
        Assert.True(cleanFin);
        endpoint.Release(second, reusable: true);
        Assert.Equal(1, endpoint.IdleCount);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Release_BytesPendingAfterTheResponse_ClosedNotPooled()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream);
        var endpoint = cluster.Endpoints[0];
        var lease = await endpoint.AcquireAsync(CancellationToken.None);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "accepted");
        await LoopbackHelpers.SendAsync(upstream.Accepted[0], Response + SmuggledResponse);
        await ReadOneResponseAsync(lease.Connection, Response.Length, Response.Length + SmuggledResponse.Length);

        endpoint.Release(lease, reusable: true);

        Assert.Equal(0, endpoint.IdleCount);
        Assert.Equal(0, endpoint.OpenConnections);
        Assert.Equal(0, endpoint.Outstanding);
        Assert.Equal(1, endpoint.UnsolicitedBytesClosures);
        var (_, cleanFin) = await LoopbackHelpers.ReceiveToEndAsync(upstream.Accepted[0]);
        Assert.True(cleanFin);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Release_BytesSentJustBeforeTheRelease_NeverReachTheNextLease(bool epoll)
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, epoll: epoll);
        var endpoint = cluster.Endpoints[0];
        var lease = await endpoint.AcquireAsync(CancellationToken.None);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "accepted");

        // No wait for the reader to take them in: on loopback they are in the socket's receive queue when send
        // returns. The reader may not have them at release; whichever check runs (the reader at release, the
        // kernel or the caught-up reader at acquire) must keep the connection from the next request.
        await LoopbackHelpers.SendAsync(upstream.Accepted[0], SmuggledResponse);
        endpoint.Release(lease, reusable: true);
        var next = await endpoint.AcquireAsync(CancellationToken.None);

        Assert.NotSame(lease.Connection, next.Connection);
        Assert.False(next.IsReused);
        Assert.Equal(1, endpoint.OpenConnections);
        Assert.Equal(1, endpoint.UnsolicitedBytesClosures);
        endpoint.Release(next, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_EpollReaderCaughtUpWithTheRelease_ReusesWithoutBytesSlippingThrough()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, epoll: true);
        var endpoint = cluster.Endpoints[0];
        var lease = await endpoint.AcquireAsync(CancellationToken.None);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "accepted");
        var connection = Assert.IsType<SocketConnection>(lease.Connection);
        endpoint.Release(lease, reusable: true);
        var mark = connection.InputProgressMark;
        Assert.True(mark >= 0);

        // The loop blocks in epoll_wait while nothing happens: the first byte ends the wait in progress at the mark,
        // a later one ends a wait that began after it. Once caught up, the reader alone must show the bytes.
        for (var sent = 0; !connection.InputCaughtUpWith(mark); sent++)
        {
            Assert.True(sent < 200, "the event loop never caught up with the release");
            await LoopbackHelpers.SendAsync(upstream.Accepted[0], "x");
            await Task.Delay(10);
        }

        var next = await endpoint.AcquireAsync(CancellationToken.None);

        Assert.NotSame(connection, next.Connection);
        Assert.Equal(1, endpoint.UnsolicitedBytesClosures);
        endpoint.Release(next, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Release_UpstreamClosedAfterTheResponse_ClosedNotPooledAndNotCountedAsUnsolicited()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream);
        var endpoint = cluster.Endpoints[0];
        var lease = await endpoint.AcquireAsync(CancellationToken.None);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "accepted");
        await LoopbackHelpers.SendAsync(upstream.Accepted[0], Response);
        await ReadOneResponseAsync(lease.Connection, Response.Length, Response.Length);
        upstream.Accepted[0].Shutdown(System.Net.Sockets.SocketShutdown.Send);
        await Task.Delay(50);

        endpoint.Release(lease, reusable: true);

        Assert.Equal(0, endpoint.IdleCount);
        Assert.Equal(0, endpoint.OpenConnections);
        Assert.Equal(0, endpoint.UnsolicitedBytesClosures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_AllConnectionsBusyAndQueueFull_FailsAtOnceAndIsCounted()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, maxConnections: 1, maxPending: 2);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);
        var waiting1 = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        var waiting2 = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        Assert.Equal(2, endpoint.PendingRequests);

        await Assert.ThrowsAsync<UpstreamQueueFullException>(async () => await endpoint.AcquireAsync(CancellationToken.None));

        Assert.Equal(1, endpoint.QueueRejections);
        Assert.Equal(2, endpoint.PendingRequests);
        Assert.False(waiting1.IsCompleted);
        Assert.False(waiting2.IsCompleted);

        // The queued requests keep their places and are served in order.
        endpoint.Release(first, reusable: true);
        var second = await waiting1.WaitAsync(Step);
        Assert.Same(first.Connection, second.Connection);
        Assert.False(waiting2.IsCompleted);
        endpoint.Release(second, reusable: true);
        var third = await waiting2.WaitAsync(Step);
        Assert.Same(first.Connection, third.Connection);
        Assert.Equal(0, endpoint.PendingRequests);
        endpoint.Release(third, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_NoQueueAllowed_FailsAtOnceWhenAllConnectionsBusy()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, maxConnections: 1, maxPending: 0);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);

        await Assert.ThrowsAsync<UpstreamQueueFullException>(async () => await endpoint.AcquireAsync(CancellationToken.None));

        Assert.Equal(1, endpoint.QueueRejections);
        endpoint.Release(first, reusable: true);
        var again = await endpoint.AcquireAsync(CancellationToken.None);
        Assert.Same(first.Connection, again.Connection);
        endpoint.Release(again, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_QueuedWaiterTimedOut_FreesItsPlaceInTheQueue()
    {
        using var upstream = new TestUpstream();
        var time = new FakeTimeProvider();
        await using var cluster = NewCluster(upstream, time, maxConnections: 1, connectTimeout: TimeSpan.FromSeconds(5), maxPending: 1);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);
        var timingOut = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<UpstreamPoolExhaustedException>(() => timingOut.WaitAsync(Step));
        Assert.Equal(0, endpoint.PendingRequests);

        // No release happened in between: the place is free anyway.
        var waiting = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        Assert.Equal(1, endpoint.PendingRequests);
        endpoint.Release(first, reusable: true);
        var second = await waiting.WaitAsync(Step);

        Assert.Same(first.Connection, second.Connection);
        Assert.Equal(0, endpoint.QueueRejections);
        endpoint.Release(second, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireAsync_QueuedWaiterCanceled_FreesItsPlaceInTheQueue()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, maxConnections: 1, maxPending: 1);
        var endpoint = cluster.Endpoints[0];
        var first = await endpoint.AcquireAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var canceled = endpoint.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.WaitAsync(Step));

        Assert.Equal(0, endpoint.PendingRequests);
        var waiting = endpoint.AcquireAsync(CancellationToken.None).AsTask();
        endpoint.Release(first, reusable: true);
        var second = await waiting.WaitAsync(Step);
        Assert.Same(first.Connection, second.Connection);
        endpoint.Release(second, reusable: true);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Release_IdleStackFull_ClosesConnection()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream, maxIdle: 1);
        var endpoint = cluster.Endpoints[0];

        var a = await endpoint.AcquireAsync(CancellationToken.None);
        var b = await endpoint.AcquireAsync(CancellationToken.None);
        endpoint.Release(a, reusable: true);
        endpoint.Release(b, reusable: true);

        Assert.Equal(1, endpoint.IdleCount);
        Assert.Equal(1, endpoint.OpenConnections);
        await LoopbackHelpers.WaitUntilAsync(() => b.Connection.IsInputEnded, "the surplus connection to close");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Sweep_PastIdleTimeout_ClosesIdleConnection()
    {
        using var upstream = new TestUpstream();
        var time = new FakeTimeProvider();
        await using var cluster = new UpstreamCluster("idle", [upstream.EndPoint], BalancePolicy.RoundRobin, new UpstreamPoolOptions { IdleTimeout = TimeSpan.FromSeconds(60) }, time, NullLogger.Instance);
        var endpoint = cluster.Endpoints[0];
        var lease = await endpoint.AcquireAsync(CancellationToken.None);
        endpoint.Release(lease, reusable: true);
        await LoopbackHelpers.WaitUntilAsync(() => upstream.AcceptedCount == 1, "accepted");

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, endpoint.IdleCount);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, endpoint.IdleCount);
        Assert.Equal(0, endpoint.OpenConnections);

        var (_, cleanFin) = await LoopbackHelpers.ReceiveToEndAsync(upstream.Accepted[0]);
        Assert.True(cleanFin);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Sweep_IdleConnectionsUnusedAfterABurst_HalvedEachSweepDownToOne()
    {
        using var upstream = new TestUpstream();
        var time = new FakeTimeProvider();
        await using var cluster = NewCluster(upstream, time, maxConnections: 16, maxIdle: 16);
        var endpoint = cluster.Endpoints[0];
        var leases = new List<UpstreamLease>();
        for (var i = 0; i < 8; i++)
        {
            leases.Add(await endpoint.AcquireAsync(CancellationToken.None));
        }

        leases.ForEach(lease => endpoint.Release(lease, reusable: true));
        Assert.Equal(8, endpoint.IdleCount);

        var seen = new List<int>();
        for (var sweep = 0; sweep < 6; sweep++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            seen.Add(endpoint.IdleCount);
        }

        // The first sweep sees them just used; then half of the unused go each second; the last one stays.
        Assert.Equal([8, 4, 2, 1, 1, 1], seen);
        Assert.Equal(1, endpoint.OpenConnections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Sweep_IdleConnectionsTakenEveryInterval_AllKept()
    {
        using var upstream = new TestUpstream();
        var time = new FakeTimeProvider();
        await using var cluster = NewCluster(upstream, time, maxConnections: 16, maxIdle: 16);
        var endpoint = cluster.Endpoints[0];

        for (var sweep = 0; sweep < 5; sweep++)
        {
            // A steady load of four concurrent requests: every pooled connection is used between two sweeps.
            var leases = new List<UpstreamLease>();
            for (var i = 0; i < 4; i++)
            {
                leases.Add(await endpoint.AcquireAsync(CancellationToken.None));
            }

            leases.ForEach(lease => endpoint.Release(lease, reusable: true));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(4, endpoint.IdleCount);
        Assert.Equal(4, endpoint.OpenConnections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireRelease_SteadyState_AllocatesNothing()
    {
        using var upstream = new TestUpstream();
        await using var cluster = NewCluster(upstream);
        var endpoint = cluster.Endpoints[0];
        var warm = await endpoint.AcquireAsync(CancellationToken.None);
        endpoint.Release(warm, reusable: true);

        static void Cycle(UpstreamEndpoint endpoint)
        {
            var pending = endpoint.AcquireAsync(CancellationToken.None);
            Assert.True(pending.IsCompletedSuccessfully);
            endpoint.Release(pending.Result, reusable: true);
        }

        Cycle(endpoint);
        var allocated = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                Cycle(endpoint);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ReportFailure_ThresholdReached_EjectsUntilDurationPasses()
    {
        var time = new FakeTimeProvider();
        var cluster = new UpstreamCluster("eject", [LoopbackHelpers.ClosedPortV4()], BalancePolicy.RoundRobin, new UpstreamPoolOptions { EjectAfterConsecutiveFailures = 3, EjectionDuration = TimeSpan.FromSeconds(30), PanicThresholdPercent = 0, TrialBackoff = TimeSpan.Zero }, time, NullLogger.Instance);
        var endpoint = cluster.Endpoints[0];

        endpoint.ReportFailure();
        endpoint.ReportFailure();
        Assert.False(endpoint.IsEjected);
        Assert.Equal(0, endpoint.Ejections);
        endpoint.ReportFailure();
        Assert.True(endpoint.IsEjected);
        Assert.Equal(1, endpoint.Ejections);
        Assert.False(cluster.TryPick(out _));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(endpoint.IsEjected);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(endpoint.IsEjected);
        Assert.True(cluster.TryPick(out var picked));
        Assert.Same(endpoint, picked);
    }

    [Fact]
    public void ReportSuccess_BetweenFailures_ResetsCount()
    {
        var time = new FakeTimeProvider();
        var cluster = new UpstreamCluster("flaky", [LoopbackHelpers.ClosedPortV4()], BalancePolicy.RoundRobin, new UpstreamPoolOptions { EjectAfterConsecutiveFailures = 3 }, time, NullLogger.Instance);
        var endpoint = cluster.Endpoints[0];

        endpoint.ReportFailure();
        endpoint.ReportFailure();
        endpoint.ReportSuccess();
        endpoint.ReportFailure();
        endpoint.ReportFailure();

        Assert.False(endpoint.IsEjected);
        Assert.Equal(2, endpoint.ConsecutiveFailures);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AcquireRelease_ManyConcurrentCallersOverEchoUpstream_StayWithinCapAndBalance()
    {
        await using var listener = new ConnectionListener(
            new ConnectionListenerOptions { Endpoints = [LoopbackHelpers.AnyPortV4] },
            Transport.TestHandlers.EchoAsync,
            NullLogger.Instance);
        await listener.StartAsync(CancellationToken.None);

        // 32 callers over 4 connections: up to 28 wait, more than the default queue bound of 16 allows.
        await using var cluster = new UpstreamCluster("echo", [listener.BoundEndPoints[0]], BalancePolicy.RoundRobin, new UpstreamPoolOptions { MaxConnectionsPerEndpoint = 4, MaxIdlePerEndpoint = 4, MaxPendingRequestsPerEndpoint = 32 }, TimeProvider.System, NullLogger.Instance);
        var endpoint = cluster.Endpoints[0];
        var maxOpen = 0;

        async Task WorkerAsync(int worker)
        {
            var message = System.Text.Encoding.ASCII.GetBytes($"w{worker:D3}");
            for (var i = 0; i < 20; i++)
            {
                var lease = await endpoint.AcquireAsync(CancellationToken.None);
                InterlockedMax(ref maxOpen, endpoint.OpenConnections);
                await lease.Connection.Output.WriteAsync(message);
                while (true)
                {
                    var result = await lease.Connection.Input.ReadAsync();
                    if (result.Buffer.Length >= message.Length)
                    {
                        Assert.Equal(message, System.Buffers.BuffersExtensions.ToArray(result.Buffer));
                        lease.Connection.Input.AdvanceTo(result.Buffer.End);
                        break;
                    }

                    Assert.False(result.IsCompleted);
                    lease.Connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                }

                endpoint.ReportSuccess();
                endpoint.Release(lease, reusable: true);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 32).Select(w => Task.Run(() => WorkerAsync(w)))).WaitAsync(TimeSpan.FromSeconds(25));

        Assert.Equal(0, endpoint.Outstanding);
        Assert.InRange(maxOpen, 1, 4);
        Assert.InRange(endpoint.IdleCount, 1, 4);
        Assert.Equal(endpoint.IdleCount, endpoint.OpenConnections);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Plays the proxy's part in an exchange: waits for <paramref name="arrived"/> bytes, consumes the first response's <paramref name="response"/> bytes and leaves the rest unread.</summary>
    private static async Task ReadOneResponseAsync(TransportConnection connection, int response, int arrived)
    {
        while (true)
        {
            var result = await connection.Input.ReadAsync().AsTask().WaitAsync(Step);
            if (result.Buffer.Length >= arrived)
            {
                connection.Input.AdvanceTo(result.Buffer.GetPosition(response));
                return;
            }

            Assert.False(result.IsCompleted);
            connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static bool Peek(TransportConnection connection, System.IO.Pipelines.ReadResult result)
    {
        var any = !result.Buffer.IsEmpty;
        connection.Input.AdvanceTo(result.Buffer.Start);
        return any;
    }
}
