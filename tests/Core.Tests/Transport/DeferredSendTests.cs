using System.Net.Sockets;
using System.Text;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>
/// Flushes on an epoll loop's thread park their bytes until the loop's batch of events is done
/// (<see cref="EpollLoop.DeferSend"/>): they are sent then, always before anything flushed later,
/// and a close sends or drops them like any unflushed bytes.
/// </summary>
public sealed class DeferredSendTests
{
    private const int TestTimeout = 30_000;

    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_OnLoopThread_SendsWhenTheBatchIsDone()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = EpollEngine.Shared() });

        var seen = await OnLoopThreadAsync(pair, () =>
        {
            var flushed = WriteOnLoop(pair.Server, "hello");
            var output = (SocketPipeWriter)pair.Server.Output;
            return (flushed, pair.Client.Available, output.HasUnsentBytes);
        });

        Assert.True(seen.Item1, "the flush completes at once, successfully");
        Assert.Equal(0, seen.Available);
        Assert.True(seen.HasUnsentBytes);
        Assert.Equal("hello", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 5));
        await LoopbackHelpers.WaitUntilAsync(() => !((SocketPipeWriter)pair.Server.Output).HasUnsentBytes, "the writer to see its parked bytes sent");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_FromAnotherThreadWhileBytesAreParked_SendsTheParkedBytesFirst()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = EpollEngine.Shared() });

        await OnLoopThreadAsync(pair, () =>
        {
            Assert.True(WriteOnLoop(pair.Server, "first,"));

            // The flow moved to another thread (as an await can move it) and flushes again before the loop's batch ends.
            Assert.True(WriteAsync(pair.Server, "second").Wait(Step));
            return true;
        });

        Assert.Equal("first,second", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 12));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DisposeAsync_WithParkedBytes_SendsThemBeforeTheFin()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = EpollEngine.Shared() });

        var dispose = await OnLoopThreadAsync(pair, () =>
        {
            Assert.True(WriteOnLoop(pair.Server, "last words"));
            return pair.Server.DisposeAsync().AsTask();
        });

        Assert.Equal("last words", await ReceiveToEndAsync(pair.Client));
        pair.Client.Shutdown(SocketShutdown.Send);
        await dispose.WaitAsync(Step);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Abort_WithParkedBytes_DropsThemAndReturnsTheBlock()
    {
        using var pool = new PinnedBlockMemoryPool();
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = EpollEngine.Shared(), Pool = pool });

        await OnLoopThreadAsync(pair, () =>
        {
            Assert.True(WriteOnLoop(pair.Server, "never sent"));
            pair.Server.Abort();
            return true;
        });

        await LoopbackHelpers.WaitUntilAsync(() => pool.Outstanding == 0, "the parked block to go back to the pool");
        var received = new byte[64];
        var n = 0;
        try
        {
            n = await pair.Client.ReceiveAsync(received, SocketFlags.None).WaitAsync(Step);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The abort's RST: also no data.
        }

        Assert.Equal(0, n);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ParkedBytes_KernelBufferFull_DrainBeforeTheNextFlushInOrder()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = EpollEngine.Shared() });
        var socket = pair.Server.Socket;
        socket.SendBufferSize = 4096;
        pair.Client.ReceiveBufferSize = 4096;

        // Fill the kernel's buffers behind the writer's back: the parked send then finds no room.
        var filler = new byte[1024];
        long filled = 0;
        while (true)
        {
            var sent = SocketSyscalls.Send(socket, filler, out var status);
            if (status == SocketError.WouldBlock)
            {
                break;
            }

            Assert.Equal(SocketError.Success, status);
            filled += sent;
        }

        var flushedOnLoop = await OnLoopThreadAsync(pair, () => WriteOnLoop(pair.Server, "parked|"));
        var next = WriteAsync(pair.Server, "next");

        var received = await ReceiveExactlyBytesAsync(pair.Client, (int)filled + 11);
        await next.WaitAsync(Step);

        Assert.True(flushedOnLoop);
        Assert.Equal("parked|next", Encoding.ASCII.GetString(received, (int)filled, 11));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DeferSend_FromADeferredSendWhileAFullBatchIsSent_SendsAtOnce()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = EpollEngine.Shared() });

        var sent = await OnLoopThreadAsync(pair, () =>
        {
            var loop = EpollLoop.Dispatching!;
            var late = new RecordingSend(null);
            var first = new RecordingSend(() => loop.DeferSend(late));
            loop.DeferSend(first);

            // Filling the batch's list sends it at once; the first send defers another while the list is being walked.
            for (var i = 1; i < 32; i++)
            {
                loop.DeferSend(new RecordingSend(null));
            }

            return (first.Sent, late.Sent);
        });

        Assert.True(sent.Item1, "a full list is sent at once");
        Assert.True(sent.Item2, "a send deferred while the list is walked goes out at once");
    }

    /// <summary>A deferred send that records that it ran, and runs <c>onSend</c> then.</summary>
    private sealed class RecordingSend(Action? onSend) : IDeferredSend
    {
        public bool Sent { get; private set; }

        public void SendDeferred()
        {
            Sent = true;
            onSend?.Invoke();
        }
    }

    /// <summary>Writes and flushes on the loop's thread: true when the flush completed at once and successfully (parked).</summary>
    private static bool WriteOnLoop(SocketConnection connection, string text)
    {
        var flush = connection.Output.WriteAsync(Encoding.ASCII.GetBytes(text));
        return flush.IsCompletedSuccessfully && !flush.Result.IsCompleted;
    }

    /// <summary>Writes and flushes from a thread-pool thread (not a loop's).</summary>
    private static Task WriteAsync(SocketConnection connection, string text) =>
        Task.Run(async () => Assert.False((await connection.Output.WriteAsync(Encoding.ASCII.GetBytes(text))).IsCompleted));

    /// <summary>Runs <paramref name="action"/> on the loop's thread while it dispatches: as the continuation of a read the client's byte completes.</summary>
    private static async Task<T> OnLoopThreadAsync<T>(SocketPair pair, Func<T> action)
    {
        var read = pair.Server.Input.ReadAsync();
        Assert.False(read.IsCompleted, "the read waits for the client's byte");

        // The continuation is in place before the byte is sent, so the loop runs it (not this thread, after the fact).
        var continued = ContinueAsync(pair, read, action);
        pair.Client.Send("x"u8);
        return await continued;
    }

    private static async Task<T> ContinueAsync<T>(SocketPair pair, ValueTask<System.IO.Pipelines.ReadResult> read, Func<T> action)
    {
        var result = await read.ConfigureAwait(false);
        pair.Server.Input.AdvanceTo(result.Buffer.End);
        Assert.NotNull(EpollLoop.Dispatching);
        return action();
    }

    private static async Task<string> ReceiveToEndAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(Step);
        var text = new StringBuilder();
        var buffer = new byte[256];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    private static async Task<byte[]> ReceiveExactlyBytesAsync(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(Step);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF after {read} of {count}");
            }

            read += n;
        }

        return buffer;
    }
}
