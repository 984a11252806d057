using System.Net.Sockets;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Core.Tests.Transport.Epoll;

/// <summary>
/// What an epoll loop can tell about its own progress without a syscall (EpollLoop.ProgressMark and the checks on it):
/// whether every event the kernel had for a socket when a mark was taken has reached that socket's handler. The pool
/// relies on it to skip poll(2) when it hands out an idle upstream connection.
/// </summary>
public sealed class EpollLoopProgressTests
{
    private const int TestTimeout = 30_000;

    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Fact(Timeout = TestTimeout)]
    public async Task MidBatch_OtherSocketsEventStillQueued_NotCaughtUp_OnceDispatched_CaughtUp()
    {
        var loop = new EpollLoop(0, NullLogger.Instance);
        using var gate = await Pair.CreateAsync();
        using var first = await Pair.CreateAsync();
        using var second = await Pair.CreateAsync();
        using var release = new ManualResetEventSlim();
        var blocker = new Handler(() => release.Wait(Step));
        var secondHandler = new Handler(() => { });
        var secondRegistration = loop.Add(second.Server, secondHandler, EpollInterop.EpollIn);
        bool? pendingBefore = null;
        bool? dispatchedBefore = null;
        long mark = -1;
        var firstHandler = new Handler(() =>
        {
            pendingBefore = loop.HasNothingPendingFor(secondRegistration.Key, mark);
            dispatchedBefore = loop.HasDispatchedEverythingBefore(mark);
        });
        loop.Add(first.Server, firstHandler, EpollInterop.EpollIn);
        loop.Add(gate.Server, blocker, EpollInterop.EpollIn);

        // Hold the loop inside a batch, take the mark there, and queue "first" then "second": the next wait returns
        // both, in that order, so while first's handler runs, second's event is still to be dispatched.
        gate.Client.Send("g"u8);
        await blocker.Entered.Task.WaitAsync(Step);
        mark = loop.ProgressMark;
        first.Client.Send("1"u8);
        second.Client.Send("2"u8);
        await Task.Delay(50);
        release.Set();
        await firstHandler.Called.Task.WaitAsync(Step);
        await secondHandler.Called.Task.WaitAsync(Step);

        Assert.False(pendingBefore);
        Assert.False(dispatchedBefore);

        // Off the loop's thread only a finished batch counts: the one that delivered both is finished once the loop
        // goes round again (one more event ends the wait that follows it).
        Assert.False(loop.HasNothingPendingFor(secondRegistration.Key, mark));
        gate.Client.Send("g"u8);
        await LoopbackHelpers.WaitUntilAsync(() => loop.HasDispatchedEverythingBefore(mark), "the batch after the mark was dispatched");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MidBatch_OtherSocketsEventAlreadyDispatched_CaughtUp()
    {
        var loop = new EpollLoop(0, NullLogger.Instance);
        using var gate = await Pair.CreateAsync();
        using var first = await Pair.CreateAsync();
        using var second = await Pair.CreateAsync();
        using var release = new ManualResetEventSlim();
        var blocker = new Handler(() => release.Wait(Step));
        var secondHandler = new Handler(() => { });
        var secondRegistration = loop.Add(second.Server, secondHandler, EpollInterop.EpollIn);
        bool? pendingAfter = null;
        long mark = -1;
        var firstHandler = new Handler(() => pendingAfter = loop.HasNothingPendingFor(secondRegistration.Key, mark));
        loop.Add(first.Server, firstHandler, EpollInterop.EpollIn);
        loop.Add(gate.Server, blocker, EpollInterop.EpollIn);

        gate.Client.Send("g"u8);
        await blocker.Entered.Task.WaitAsync(Step);
        mark = loop.ProgressMark;
        second.Client.Send("2"u8);
        first.Client.Send("1"u8);
        await Task.Delay(50);
        release.Set();
        await firstHandler.Called.Task.WaitAsync(Step);

        Assert.True(secondHandler.Called.Task.IsCompleted);
        Assert.True(pendingAfter);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MarkTakenInTheRunningBatch_ThatBatchProvesNothing()
    {
        var loop = new EpollLoop(0, NullLogger.Instance);
        using var first = await Pair.CreateAsync();
        using var other = await Pair.CreateAsync();
        var otherRegistration = loop.Add(other.Server, new Handler(() => { }), EpollInterop.EpollIn);
        bool? caughtUp = null;
        var firstHandler = new Handler(() => caughtUp = loop.HasNothingPendingFor(otherRegistration.Key, loop.ProgressMark));
        loop.Add(first.Server, firstHandler, EpollInterop.EpollIn);

        // A release inside a batch takes the mark of that batch's own wait: bytes that reached the kernel after the
        // wait returned are in no batch yet.
        first.Client.Send("1"u8);
        await firstHandler.Called.Task.WaitAsync(Step);

        Assert.False(caughtUp);
    }

    /// <summary>Runs an action on each event (on the loop's thread) and reports the first: entered, and done.</summary>
    private sealed class Handler(Action onEvent) : IEpollHandler
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnEpollEvents(uint events)
        {
            Entered.TrySetResult();
            onEvent();
            Called.TrySetResult();
        }
    }

    /// <summary>Two connected loopback sockets; the server side is registered with the loop under test.</summary>
    private sealed class Pair : IDisposable
    {
        private Pair(Socket client, Socket server)
        {
            Client = client;
            Server = server;
        }

        public Socket Client { get; }

        public Socket Server { get; }

        public static async Task<Pair> CreateAsync()
        {
            using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listen.Bind(LoopbackHelpers.AnyPortV4);
            listen.Listen(1);
            var client = await LoopbackHelpers.ConnectAsync(listen.LocalEndPoint!);
            using var cts = new CancellationTokenSource(Step);
            var server = await listen.AcceptAsync(cts.Token);
            return new Pair(client, server);
        }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }
}
