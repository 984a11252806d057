using System.IO.Pipelines;
using System.Net.Sockets;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>
/// A flush that waits for the kernel owns its blocks until its send ends (issue 10, item 10): a flush whose caller
/// stopped waiting (a flush deadline, then an abort), a later flush and the close never send, return or reuse them,
/// so they can never reach another connection while this one still sends from them.
/// </summary>
public abstract class SocketPipeWriterOwnershipTests
{
    /// <summary>The input engine under test: null for .NET's socket engine, else FastProxy's epoll loops.</summary>
    protected abstract EpollEngine? Engine { get; }

    private const int TestTimeout = 30_000;

    private const byte Filler = 0xEE;

    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Theory(Timeout = TestTimeout)]
    [InlineData(1)]
    [InlineData(16)]
    public async Task FlushAsync_AfterAbortWhileAnAbandonedFlushStillSends_ReturnsNoneOfThatSendsBlocks(int blocks)
    {
        using var pool = new TrackingMemoryPool();
        var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine, Pool = pool });
        var output = pair.Server.Output;
        FillKernelBuffers(pair.Server);
        Write(output, Payload(blocks * 4000));
        var abandoned = output.FlushAsync().AsTask();
        Assert.False(abandoned.IsCompleted, "the kernel's buffers are full: the flush waits");

        // As a flush deadline does: abort, stop waiting for the flush, go on (here: flush again, as an error path would).
        pair.Server.Abort();
        ValueTask<FlushResult> again;
        using (pool.Watch())
        {
            again = output.FlushAsync();
        }

        Assert.Equal(0, pool.ReturnedWhileWatched);
        Assert.True((await again).IsCompleted);
        Assert.True((await abandoned.WaitAsync(Step)).IsCompleted);
        await pair.DisposeAsync();
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(0, pool.ReturnedTwice);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(1)]
    [InlineData(16)]
    public async Task DisposeAsync_WhileAnAbandonedFlushStillSends_ItsBytesGoOutOnceBeforeTheFin(int blocks)
    {
        using var pool = new TrackingMemoryPool();
        var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine, Pool = pool });
        var filled = FillKernelBuffers(pair.Server);
        var payload = Payload(blocks * 4000);
        Write(pair.Server.Output, payload);
        var abandoned = pair.Server.Output.FlushAsync().AsTask();
        Assert.False(abandoned.IsCompleted, "the kernel's buffers are full: the flush waits");

        // Closed while the flush still sends (nobody waits for it): the close's flush goes after it, not alongside it.
        var dispose = pair.Server.DisposeAsync().AsTask();
        var received = await ReceiveToEndAsync(pair.Client);
        pair.Client.Shutdown(SocketShutdown.Send);
        await dispose.WaitAsync(Step);

        Assert.Equal(filled + payload.Length, received.Length);
        Assert.All(received[..filled], b => Assert.Equal(Filler, b));
        Assert.Equal(payload, received[filled..]);
        Assert.False((await abandoned.WaitAsync(Step)).IsCompleted);
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(0, pool.ReturnedTwice);
        pair.Client.Dispose();
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(1)]
    [InlineData(16)]
    public async Task FlushAsync_WhileAnAbandonedFlushStillSends_SendsItsBytesAfterThose(int blocks)
    {
        using var pool = new TrackingMemoryPool();
        var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine, Pool = pool });
        var output = pair.Server.Output;
        var filled = FillKernelBuffers(pair.Server);
        var first = Payload(blocks * 4000);
        Write(output, first);
        var abandoned = output.FlushAsync().AsTask();
        Assert.False(abandoned.IsCompleted, "the kernel's buffers are full: the flush waits");

        // The writer goes on while the first flush still sends (its caller stopped waiting for it).
        var second = Payload(3000);
        second.AsSpan().Reverse();
        Write(output, second);
        var next = output.FlushAsync().AsTask();
        var received = ReceiveExactlyAsync(pair.Client, filled + first.Length + second.Length);

        Assert.False((await next.WaitAsync(Step)).IsCompleted);
        Assert.False((await abandoned.WaitAsync(Step)).IsCompleted);
        var bytes = await received;
        pair.Client.Shutdown(SocketShutdown.Send);
        await pair.Server.DisposeAsync();
        Assert.Equal(first, bytes[filled..(filled + first.Length)]);
        Assert.Equal(second, bytes[(filled + first.Length)..]);
        Assert.Equal(0, await pair.Client.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(Step));
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(0, pool.ReturnedTwice);
        pair.Client.Dispose();
    }

    /// <summary>Fills the kernel's send and receive buffers behind the writer's back, so that its next flush must wait; returns how many bytes that took.</summary>
    private int FillKernelBuffers(SocketConnection connection)
    {
        var socket = connection.Socket;
        socket.SendBufferSize = 4096;
        var filler = new byte[1024];
        filler.AsSpan().Fill(Filler);
        var filled = 0;

        // Loopback moves sent bytes to the peer's receive buffer a moment later, making room again: full means
        // nothing more fits after a pause.
        for (var added = -1; added != 0;)
        {
            added = 0;
            while (true)
            {
                var sent = Engine is null
                    ? socket.Send(filler, SocketFlags.None, out var status)
                    : SocketSyscalls.Send(socket, filler, out status);
                if (status == SocketError.WouldBlock)
                {
                    break;
                }

                Assert.Equal(SocketError.Success, status);
                added += sent;
            }

            filled += added;
            Thread.Sleep(50);
        }

        return filled;
    }

    private static byte[] Payload(int length)
    {
        var payload = new byte[length];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i % 251);
        }

        return payload;
    }

    /// <summary>Writes in pieces no larger than a block, so that <paramref name="payload"/> fills length / 4096 blocks and a gathered flush sends them.</summary>
    private static void Write(PipeWriter output, byte[] payload)
    {
        for (var offset = 0; offset < payload.Length; offset += 1000)
        {
            var piece = payload.AsSpan(offset, Math.Min(1000, payload.Length - offset));
            piece.CopyTo(output.GetSpan(piece.Length));
            output.Advance(piece.Length);
        }
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(Step);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF after {read} of {count} bytes");
            }

            read += n;
        }

        return buffer;
    }

    private static async Task<byte[]> ReceiveToEndAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(Step);
        using var all = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
        {
            all.Write(buffer.AsSpan(0, n));
        }

        return all.ToArray();
    }
}

/// <summary>The same specification over .NET's socket engine.</summary>
public sealed class SocketPipeWriterOwnershipTestsOnSockets : SocketPipeWriterOwnershipTests
{
    protected override EpollEngine? Engine => null;
}

/// <summary>The same specification over FastProxy's epoll loops.</summary>
public sealed class SocketPipeWriterOwnershipTestsOnEpoll : SocketPipeWriterOwnershipTests
{
    protected override EpollEngine? Engine => EpollEngine.Shared();
}
