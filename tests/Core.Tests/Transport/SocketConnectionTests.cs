using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.Core.Timing;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Core.Upstream;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Core.Tests.Transport;

public abstract class SocketConnectionTests
{
    /// <summary>The input engine under test: null for .NET's socket engine, else FastProxy's epoll loops.</summary>
    protected abstract EpollEngine? Engine { get; }

    private const int TestTimeout = 30_000;

    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Fact(Timeout = TestTimeout)]
    public async Task Input_PeerSendsData_ArrivesInPipe()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        await LoopbackHelpers.SendAsync(pair.Client, "GET / HTTP/1.1\r\n");

        var text = await ReadAtLeastAsync(pair.Server, 16);
        Assert.Equal("GET / HTTP/1.1\r\n", text);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Input_PeerSendsFin_ReadCompletesAfterData()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        await LoopbackHelpers.SendAsync(pair.Client, "bye");
        pair.Client.Shutdown(SocketShutdown.Send);

        var text = new StringBuilder();
        while (true)
        {
            var result = await pair.Server.Input.ReadAsync().AsTask().WaitAsync(Step);
            text.Append(Encoding.ASCII.GetString(result.Buffer.ToArray()));
            pair.Server.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal("bye", text.ToString());
        Assert.True(pair.Server.IsInputEnded);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Input_PeerResets_ReadThrowsConnectionReset()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();

        await Assert.ThrowsAsync<ConnectionResetException>(async () =>
        {
            while (true)
            {
                var result = await pair.Server.Input.ReadAsync().AsTask().WaitAsync(Step);
                pair.Server.Input.AdvanceTo(result.Buffer.End);
                Assert.False(result.IsCompleted, "a reset must not look like a clean FIN");
            }
        });
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OnInputFailed_PeerResetsWhileNobodyReads_CallbackRunsOnce()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var calls = 0;
        object? seen = null;
        var state = new object();
        pair.Server.OnInputFailed(s => { seen = s; Interlocked.Increment(ref calls); }, state);

        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();

        await LoopbackHelpers.WaitUntilAsync(() => Volatile.Read(ref calls) > 0, "the input-failed callback");
        Assert.Same(state, seen);
        await Assert.ThrowsAsync<ConnectionResetException>(async () => await pair.Server.Input.ReadAsync().AsTask().WaitAsync(Step));
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OnInputFailed_SetAfterTheReset_RunsAtOnce_ClearedNeverRuns()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var cleared = 0;
        pair.Server.OnInputFailed(_ => Interlocked.Increment(ref cleared), null);
        pair.Server.OnInputFailed(null, null);
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();
        await LoopbackHelpers.WaitUntilAsync(() => pair.Server.IsInputEnded, "the reset to be seen");

        var late = 0;
        pair.Server.OnInputFailed(_ => late++, null);
        Assert.Equal(1, late);
        Assert.Equal(0, Volatile.Read(ref cleared));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task OnInputFailed_PeerSendsFin_NotAFailure()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var calls = 0;
        pair.Server.OnInputFailed(_ => Interlocked.Increment(ref calls), null);

        // A client may half-close after its request and still wait for the answer.
        pair.Client.Shutdown(SocketShutdown.Send);
        await LoopbackHelpers.WaitUntilAsync(() => pair.Server.IsInputEnded, "FIN");
        Assert.Equal(0, Volatile.Read(ref calls));
        pair.Server.OnInputFailed(null, null);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Output_Written_ReachesPeer()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        await pair.Server.Output.WriteAsync("HTTP/1.1 200 OK\r\n\r\n"u8.ToArray());

        Assert.Equal("HTTP/1.1 200 OK\r\n\r\n", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 19));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DisposeAsync_LargeBufferedOutput_AllSentThenFin()
    {
        var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        using var client = pair.Client;

        // More than the pause threshold and the kernel buffers: the tail is still in the pipe at dispose.
        var payload = new byte[1024 * 1024];
        Random.Shared.NextBytes(payload);
        var writer = pair.Server.Output;
        var write = Task.Run(async () =>
        {
            for (var offset = 0; offset < payload.Length; offset += 16 * 1024)
            {
                await writer.WriteAsync(payload.AsMemory(offset, 16 * 1024));
            }

            await pair.Server.DisposeAsync();
        });

        using var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(Step);
        while (true)
        {
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                break;
            }

            received.Write(buffer.AsSpan(0, n));
        }

        await write.WaitAsync(Step);
        Assert.Equal(payload, received.ToArray());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DisposeAsync_CalledTwice_IsIdempotent()
    {
        var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        using var client = pair.Client;
        await pair.Server.DisposeAsync();
        await pair.Server.DisposeAsync();

        var (data, cleanFin) = await LoopbackHelpers.ReceiveToEndAsync(client);
        Assert.Equal("", data);
        Assert.True(cleanFin);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Abort_PendingRead_FailsAndPeerSeesReset()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var read = pair.Server.Input.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(read.IsCompleted);

        pair.Server.Abort();

        await Assert.ThrowsAsync<ConnectionAbortedException>(() => read.WaitAsync(Step));
        var (_, cleanFin) = await LoopbackHelpers.ReceiveToEndAsync(pair.Client);
        Assert.False(cleanFin);
        Assert.True(pair.Server.IsAborted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Abort_PendingFlushUnderBackpressure_CompletesAsPeerGone()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });

        // The client never reads: the kernel buffers fill, then FlushAsync waits.
        var chunk = new byte[64 * 1024];
        Task<System.IO.Pipelines.FlushResult> flush;
        while (true)
        {
            flush = pair.Server.Output.WriteAsync(chunk).AsTask();
            await Task.WhenAny(flush, Task.Delay(200));
            if (!flush.IsCompleted)
            {
                break;
            }
        }

        pair.Server.Abort();

        var result = await flush.WaitAsync(Step);
        Assert.True(result.IsCompleted);
        var after = await pair.Server.Output.WriteAsync(chunk);
        Assert.True(after.IsCompleted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SetTimeout_DeadlinePasses_CancelsPendingReadWithReason()
    {
        await using var timed = await TimedPairAsync();
        var (pair, time) = (timed.Pair, timed.Time);

        pair.Server.SetTimeout(TimeSpan.FromSeconds(10), TimeoutReason.RequestHeaders);
        var read = pair.Server.Input.ReadAsync().AsTask();

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(read.IsCompleted);
        Assert.Equal(TimeoutReason.None, pair.Server.TimedOutReason);

        time.Advance(TimeSpan.FromSeconds(1));
        var result = await read.WaitAsync(Step);
        Assert.True(result.IsCanceled);
        Assert.Equal(TimeoutReason.RequestHeaders, pair.Server.TimedOutReason);

        // The connection is still usable: the handler may answer 408.
        pair.Server.Input.AdvanceTo(result.Buffer.Start);
        await pair.Server.Output.WriteAsync("HTTP/1.1 408 Request Timeout\r\n\r\n"u8.ToArray());
        Assert.StartsWith("HTTP/1.1 408", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 32), StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ClearTimeout_BeforeDeadline_ReadNotCanceled()
    {
        await using var timed = await TimedPairAsync();
        var (pair, time) = (timed.Pair, timed.Time);

        pair.Server.SetTimeout(TimeSpan.FromSeconds(5), TimeoutReason.KeepAliveIdle);
        var read = pair.Server.Input.ReadAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(3));
        pair.Server.ClearTimeout();
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.False(read.IsCompleted);
        await LoopbackHelpers.SendAsync(pair.Client, "x");
        var result = await read.WaitAsync(Step);
        Assert.False(result.IsCanceled);
        Assert.Equal(TimeoutReason.None, pair.Server.TimedOutReason);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SetTimeout_ReplacedByAnother_NewReasonReported()
    {
        await using var timed = await TimedPairAsync();
        var (pair, time) = (timed.Pair, timed.Time);

        pair.Server.SetTimeout(TimeSpan.FromSeconds(2), TimeoutReason.RequestHeaders);
        pair.Server.SetTimeout(TimeSpan.FromSeconds(20), TimeoutReason.RequestBody);
        var read = pair.Server.Input.ReadAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(read.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(16));
        var result = await read.WaitAsync(Step);
        Assert.True(result.IsCanceled);
        Assert.Equal(TimeoutReason.RequestBody, pair.Server.TimedOutReason);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SetTimeout_WithoutHeartbeat_Throws()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        Assert.Throws<InvalidOperationException>(() => pair.Server.SetTimeout(TimeSpan.FromSeconds(1), TimeoutReason.RequestHeaders));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SetTimeoutClearTimeout_Repeated_AllocateNothing()
    {
        await using var timed = await TimedPairAsync();
        var pair = timed.Pair;
        pair.Server.SetTimeout(TimeSpan.FromSeconds(1), TimeoutReason.RequestHeaders);
        pair.Server.ClearTimeout();

        var allocated = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                pair.Server.SetTimeout(TimeSpan.FromSeconds(10), TimeoutReason.RequestHeaders);
                pair.Server.ClearTimeout();
            }
        });

        Assert.Equal(0, allocated);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BeginDrain_IdleKeepAlive_WokenWithDrain()
    {
        await using var timed = await TimedPairAsync();
        var pair = timed.Pair;

        pair.Server.SetTimeout(TimeSpan.FromMinutes(2), TimeoutReason.KeepAliveIdle);
        var read = pair.Server.Input.ReadAsync().AsTask();
        pair.Server.BeginDrain();

        await AssertCanceledByDrainAsync(read, pair.Server);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BeginDrain_BusyConnection_NotWokenButLaterIdleIs()
    {
        await using var timed = await TimedPairAsync();
        var pair = timed.Pair;

        pair.Server.SetTimeout(TimeSpan.FromSeconds(30), TimeoutReason.RequestBody);
        var read = pair.Server.Input.ReadAsync().AsTask();
        pair.Server.BeginDrain();
        await Task.Delay(50);
        Assert.False(read.IsCompleted);

        await LoopbackHelpers.SendAsync(pair.Client, "body");
        var result = await read.WaitAsync(Step);
        Assert.False(result.IsCanceled);
        pair.Server.Input.AdvanceTo(result.Buffer.End);

        // Request done; going idle while draining closes at once.
        pair.Server.SetTimeout(TimeSpan.FromMinutes(2), TimeoutReason.KeepAliveIdle);
        await AssertCanceledByDrainAsync(pair.Server.Input.ReadAsync().AsTask(), pair.Server);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BeginDrain_AwaitingFirstRequest_WokenWithDrain()
    {
        await using var timed = await TimedPairAsync();
        var pair = timed.Pair;

        // A first request's header deadline is not a keep-alive one: the awaiting flag is what tells the drain.
        pair.Server.SetTimeout(TimeSpan.FromSeconds(30), TimeoutReason.RequestHeaders);
        pair.Server.SetAwaitingRequest(true);
        var read = pair.Server.Input.ReadAsync().AsTask();
        pair.Server.BeginDrain();

        await AssertCanceledByDrainAsync(read, pair.Server);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SetAwaitingRequest_AfterDrainBegan_NextReadCanceledWithDrain()
    {
        await using var timed = await TimedPairAsync();
        var pair = timed.Pair;

        pair.Server.SetTimeout(TimeSpan.FromSeconds(30), TimeoutReason.RequestBody);
        pair.Server.BeginDrain();
        pair.Server.SetTimeout(TimeSpan.FromSeconds(30), TimeoutReason.RequestHeaders);
        pair.Server.SetAwaitingRequest(true);

        await AssertCanceledByDrainAsync(pair.Server.Input.ReadAsync().AsTask(), pair.Server);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BeginDrain_NoLongerAwaiting_ReadNotWoken()
    {
        await using var timed = await TimedPairAsync();
        var pair = timed.Pair;

        pair.Server.SetTimeout(TimeSpan.FromSeconds(30), TimeoutReason.RequestHeaders);
        pair.Server.SetAwaitingRequest(true);
        pair.Server.SetAwaitingRequest(false);
        var read = pair.Server.Input.ReadAsync().AsTask();
        pair.Server.BeginDrain();
        await Task.Delay(50);

        Assert.False(read.IsCompleted);
        await LoopbackHelpers.SendAsync(pair.Client, "rest of the head");
        var result = await read.WaitAsync(Step);
        Assert.False(result.IsCanceled);
        pair.Server.Input.AdvanceTo(result.Buffer.End);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task IdleConnection_AfterExchange_HoldsNoPoolBlocks()
    {
        using var pool = new PinnedBlockMemoryPool();
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine, Pool = pool });
        await LoopbackHelpers.SendAsync(pair.Client, "ping");
        Assert.Equal("ping", await ReadAtLeastAsync(pair.Server, 4));
        await pair.Server.Output.WriteAsync("pong"u8.ToArray());
        Assert.Equal("pong", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 4));

        // The receive loop is back in its zero-byte wait; the send loop returned its block.
        await LoopbackHelpers.WaitUntilAsync(() => pool.Outstanding == 0, "all blocks returned");
        Assert.True(pool.RetainedCount > 0);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task RemoteAddress_DualModeListener_IsUnmappedIPv4()
    {
        if (!LoopbackHelpers.IsIPv6Available)
        {
            return; // nothing to test without IPv6
        }

        using var listen = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        listen.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        listen.Listen(1);
        var port = ((IPEndPoint)listen.LocalEndPoint!).Port;
        using var client = await LoopbackHelpers.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var accepted = await listen.AcceptAsync().WaitAsync(Step);
        await using var connection = SocketConnection.Create(accepted, new SocketConnectionOptions { Epoll = Engine });

        Assert.True(connection.RemoteEndPoint!.Address.IsIPv4MappedToIPv6);
        Assert.Equal(IPAddress.Loopback, connection.RemoteAddress);
        Assert.NotNull(connection.LocalEndPoint);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ConnectAsync_ClosedPort_ThrowsConnectExceptionNotTimeout()
    {
        var closed = LoopbackHelpers.ClosedPortV4();

        var ex = await Assert.ThrowsAsync<UpstreamConnectException>(async () =>
            await SocketConnection.ConnectAsync(closed, TimeSpan.FromSeconds(5), new SocketConnectionOptions { Epoll = Engine }, CancellationToken.None));

        Assert.False(ex.IsTimeout);
        Assert.Equal(closed, ex.Endpoint);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ConnectAsync_BacklogFull_ThrowsTimeout()
    {
        // A listener that never accepts and whose accept queue is full: Linux drops further SYNs,
        // so the connect hangs until our timeout.
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(LoopbackHelpers.AnyPortV4);
        listen.Listen(0);
        var endpoint = (IPEndPoint)listen.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            UpstreamConnectException? timeout = null;
            for (var i = 0; i < 16 && timeout is null; i++)
            {
                try
                {
                    var c = await SocketConnection.ConnectAsync(endpoint, TimeSpan.FromMilliseconds(300), new SocketConnectionOptions { Epoll = Engine }, CancellationToken.None);
                    fillers.Add(c.Socket);
                }
                catch (UpstreamConnectException ex)
                {
                    timeout = ex;
                }
            }

            Assert.NotNull(timeout);
            Assert.True(timeout.IsTimeout);
        }
        finally
        {
            foreach (var socket in fillers)
            {
                socket.Dispose();
            }
        }
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ConnectAsync_CallerCancels_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await SocketConnection.ConnectAsync(LoopbackHelpers.ClosedPortV4(), TimeSpan.FromSeconds(5), new SocketConnectionOptions { Epoll = Engine }, cts.Token));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ConnectAsync_Listening_EchoesThroughPipes()
    {
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(LoopbackHelpers.AnyPortV4);
        listen.Listen(1);
        await using var connection = await SocketConnection.ConnectAsync(listen.LocalEndPoint!, TimeSpan.FromSeconds(5), new SocketConnectionOptions { Epoll = Engine }, CancellationToken.None);
        using var server = await listen.AcceptAsync().WaitAsync(Step);

        await connection.Output.WriteAsync("up"u8.ToArray());
        Assert.Equal("up", await LoopbackHelpers.ReceiveExactlyAsync(server, 2));
        await LoopbackHelpers.SendAsync(server, "down");
        Assert.Equal("down", await ReadAtLeastAsync(connection, 4));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ConnectAsync_DnsEndPointLocalhost_Connects()
    {
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(LoopbackHelpers.AnyPortV4);
        listen.Listen(1);
        var port = ((IPEndPoint)listen.LocalEndPoint!).Port;

        await using var connection = await SocketConnection.ConnectAsync(new DnsEndPoint("localhost", port), TimeSpan.FromSeconds(5), new SocketConnectionOptions { Epoll = Engine }, CancellationToken.None);
        using var server = await listen.AcceptAsync().WaitAsync(Step);

        await connection.Output.WriteAsync("dns"u8.ToArray());
        Assert.Equal("dns", await LoopbackHelpers.ReceiveExactlyAsync(server, 3));
        Assert.Equal(IPAddress.Loopback, connection.RemoteAddress);
    }

    /// <summary>A connected pair whose deadlines run on a fake clock (advance <see cref="TimedPair.Time"/>, then the heartbeat ticks).</summary>
    /// <summary>A pending read that the drain woke: canceled, with the drain as the reason.</summary>
    private static async Task AssertCanceledByDrainAsync(Task<System.IO.Pipelines.ReadResult> read, SocketConnection server)
    {
        var result = await read.WaitAsync(Step);
        Assert.True(result.IsCanceled);
        Assert.Equal(TimeoutReason.Drain, server.TimedOutReason);
    }

    private async Task<TimedPair> TimedPairAsync()
    {
        var time = new FakeTimeProvider();
        var heartbeat = new Heartbeat(time, TimeSpan.FromSeconds(1));
        var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine, Heartbeat = heartbeat, Time = time });
        return new TimedPair(pair, time, heartbeat);
    }

    private static async Task<string> ReadAtLeastAsync(SocketConnection connection, int count)
    {
        while (true)
        {
            var result = await connection.Input.ReadAsync().AsTask().WaitAsync(Step);
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
                connection.Input.AdvanceTo(result.Buffer.End);
                return text;
            }

            connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}

/// <summary>The same specification over .NET's socket engine.</summary>
public sealed class SocketConnectionTestsOnSockets : SocketConnectionTests
{
    protected override EpollEngine? Engine => null;
}

/// <summary>The same specification over FastProxy's epoll loops.</summary>
public sealed class SocketConnectionTestsOnEpoll : SocketConnectionTests
{
    protected override EpollEngine? Engine => EpollEngine.Shared();
}
