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
        await using var run = await NextBatchRun.StartAsync(secondFirst: false);

        Assert.False(run.NothingPending);
        Assert.False(run.DispatchedBefore);

        // Off the loop's thread only a finished batch counts: the one that delivered both is finished once the loop
        // has gone round (one more event ends the wait that follows it).
        Assert.False(run.Loop.HasNothingPendingFor(run.SecondKey, run.Mark));
        run.Gate.Client.Send("g"u8);
        await LoopbackHelpers.WaitUntilAsync(() => run.Loop.HasDispatchedEverythingBefore(run.Mark), "the batch after the mark was dispatched");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MidBatch_OtherSocketsEventAlreadyDispatched_CaughtUp()
    {
        await using var run = await NextBatchRun.StartAsync(secondFirst: true);

        Assert.True(run.SecondHandled);
        Assert.True(run.NothingPending);
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

    [Fact(Timeout = TestTimeout)]
    public async Task MidBatch_OtherSocketsEventWasInAnEarlierBatch_CaughtUp()
    {
        // Second's event sat late in an earlier batch (behind a filler's); the running batch has none of its events. Where
        // it sat then must not count as "still to come" now.
        var loop = new EpollLoop(0, NullLogger.Instance);
        using var gate = await Pair.CreateAsync();
        using var filler = await Pair.CreateAsync();
        using var second = await Pair.CreateAsync();
        using var first = await Pair.CreateAsync();
        using var release = new ManualResetEventSlim();
        var gateEvents = 0;
        var blocker = new Handler(() =>
        {
            if (Interlocked.Increment(ref gateEvents) == 1)
            {
                release.Wait(Step);
            }
        });
        var secondHandler = new Handler(() => { });
        var secondKey = loop.Add(second.Server, secondHandler, EpollInterop.EpollIn).Key;
        loop.Add(filler.Server, new Handler(() => { }), EpollInterop.EpollIn);
        var mark = -1L;
        bool? caughtUp = null;
        var firstHandler = new Handler(() => caughtUp = loop.HasNothingPendingFor(secondKey, Volatile.Read(ref mark)));
        loop.Add(first.Server, firstHandler, EpollInterop.EpollIn);
        loop.Add(gate.Server, blocker, EpollInterop.EpollIn);

        // One batch of [filler, second], then a mark, then a wait begun after it (the gate's second event), then first's batch.
        gate.Client.Send("g"u8);
        await blocker.Entered.Task.WaitAsync(Step);
        filler.Client.Send("x"u8);
        second.Client.Send("x"u8);
        await Task.Delay(50);
        release.Set();
        await secondHandler.Called.Task.WaitAsync(Step);
        await Task.Delay(50);
        Volatile.Write(ref mark, loop.ProgressMark);
        gate.Client.Send("g"u8);
        await LoopbackHelpers.WaitUntilAsync(() => Volatile.Read(ref gateEvents) == 2, "the gate's second event was dispatched");
        await Task.Delay(50);
        first.Client.Send("x"u8);
        await firstHandler.Called.Task.WaitAsync(Step);

        Assert.True(caughtUp);
    }

    /// <summary>
    /// Holds a fresh loop inside a batch (a handler that waits), takes the mark there, sends one byte to sockets
    /// "first" and "second" in the given order, and lets the loop go: its next wait returns both events in that order,
    /// and first's handler records what the loop said about second's socket at that moment.
    /// </summary>
    private sealed class NextBatchRun : IAsyncDisposable
    {
        private readonly Pair _first;
        private readonly Pair _second;

        // Set once the run has started: later gate events (a test ends the wait after the batch) pass straight through.
        private readonly ManualResetEventSlim _release = new();

        private NextBatchRun(EpollLoop loop, Pair gate, Pair first, Pair second)
        {
            Loop = loop;
            Gate = gate;
            _first = first;
            _second = second;
        }

        public EpollLoop Loop { get; }

        public Pair Gate { get; }

        public long Mark { get; private set; } = -1;

        public ulong SecondKey { get; private set; }

        public bool? NothingPending { get; private set; }

        public bool? DispatchedBefore { get; private set; }

        public bool SecondHandled { get; private set; }

        public static async Task<NextBatchRun> StartAsync(bool secondFirst)
        {
            var run = new NextBatchRun(new EpollLoop(0, NullLogger.Instance), await Pair.CreateAsync(), await Pair.CreateAsync(), await Pair.CreateAsync());
            var blocker = new Handler(() => run._release.Wait(Step));
            var secondHandler = new Handler(() => { });
            run.SecondKey = run.Loop.Add(run._second.Server, secondHandler, EpollInterop.EpollIn).Key;
            var firstHandler = new Handler(() =>
            {
                run.NothingPending = run.Loop.HasNothingPendingFor(run.SecondKey, run.Mark);
                run.DispatchedBefore = run.Loop.HasDispatchedEverythingBefore(run.Mark);
                run.SecondHandled = secondHandler.Called.Task.IsCompleted;
            });
            run.Loop.Add(run._first.Server, firstHandler, EpollInterop.EpollIn);
            run.Loop.Add(run.Gate.Server, blocker, EpollInterop.EpollIn);

            run.Gate.Client.Send("g"u8);
            await blocker.Entered.Task.WaitAsync(Step);
            run.Mark = run.Loop.ProgressMark;
            var (early, late) = secondFirst ? (run._second, run._first) : (run._first, run._second);
            early.Client.Send("x"u8);
            late.Client.Send("x"u8);
            await Task.Delay(50);
            run._release.Set();
            await firstHandler.Called.Task.WaitAsync(Step);
            await secondHandler.Called.Task.WaitAsync(Step);
            return run;
        }

        public ValueTask DisposeAsync()
        {
            Gate.Dispose();
            _release.Dispose();
            _first.Dispose();
            _second.Dispose();
            return ValueTask.CompletedTask;
        }
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
