using System.Buffers;
using System.Net.Sockets;
using FastProxy.Core.Transport;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>
/// The PipeWriter contract points <see cref="SocketPipeWriter"/> used to miss: FlushAsync's token, CancelPendingFlush on a
/// waiting flush, Complete(exception), one writer at a time, and a flush queued behind a send finishing only once the
/// kernel took its bytes.
/// </summary>
public sealed class SocketPipeWriterContractTests
{
    private const int TestTimeout = 30_000;
    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    /// <summary>More than the kernel can take once its buffers are full, however much loopback moves meanwhile.</summary>
    private const int Large = 512 * 1024;

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_WithACancelledToken_ThrowsAndKeepsTheBytesForTheNextFlush()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions());
        var output = pair.Server.Output;
        output.Write("hello"u8);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await output.FlushAsync(cts.Token));

        Assert.False((await output.FlushAsync()).IsCanceled);
        Assert.Equal("hello", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 5));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_WaitingForTheKernel_ThrowsWhenItsTokenFires_AndTheBytesStillGoOutInOrder()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions());
        var output = pair.Server.Output;
        var filled = KernelBuffers.Fill(pair.Server);
        var first = KernelBuffers.Payload(Large);
        output.Write(first);
        using var cts = new CancellationTokenSource();
        var flush = output.FlushAsync(cts.Token).AsTask();
        Assert.False(flush.IsCompleted, "the kernel's buffers are full: the flush waits");

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush.WaitAsync(Step));

        // The cancelled flush's send goes on; the next flush's bytes go after it.
        output.Write("tail"u8);
        var next = output.FlushAsync().AsTask();
        var received = await KernelBuffers.ReceiveExactlyAsync(pair.Client, filled + first.Length + 4);
        Assert.False((await next.WaitAsync(Step)).IsCompleted);
        Assert.Equal(first, received[filled..(filled + first.Length)]);
        Assert.Equal("tail"u8.ToArray(), received[(filled + first.Length)..]);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CancelPendingFlush_WhileAFlushWaitsForTheKernel_CompletesItAsCanceled()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions());
        var output = pair.Server.Output;
        var filled = KernelBuffers.Fill(pair.Server);
        output.Write(KernelBuffers.Payload(Large));
        var flush = output.FlushAsync().AsTask();
        Assert.False(flush.IsCompleted, "the kernel's buffers are full: the flush waits");

        output.CancelPendingFlush();

        var result = await flush.WaitAsync(Step);
        Assert.True(result.IsCanceled);

        // The cancellation was taken by that flush: the next one is not cancelled, and everything arrives.
        output.Write("x"u8);
        var next = output.FlushAsync().AsTask();
        var received = await KernelBuffers.ReceiveExactlyAsync(pair.Client, filled + Large + 1);
        Assert.False((await next.WaitAsync(Step)).IsCanceled);
        Assert.Equal((byte)'x', received[^1]);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CancelPendingFlush_WithNoFlushWaiting_CancelsTheNextFlushOnly()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions());
        var output = pair.Server.Output;
        output.CancelPendingFlush();
        output.Write("ab"u8);
        Assert.True((await output.FlushAsync()).IsCanceled);
        Assert.False((await output.FlushAsync()).IsCanceled);
        Assert.Equal("ab", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 2));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Complete_WithAnException_ResetsTheConnection()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions());
        pair.Server.Output.Write("partial body"u8);

        await pair.Server.Output.CompleteAsync(new InvalidOperationException("the upstream went away mid-body"));

        Assert.True(pair.Server.IsAborted);
        using var cts = new CancellationTokenSource(Step);
        var buffer = new byte[64];
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            while (await pair.Client.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
        });
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Complete_WithoutAnException_LeavesTheConnectionOpen()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions());
        pair.Server.Output.Write("done"u8);
        await pair.Server.Output.FlushAsync();
        await pair.Server.Output.CompleteAsync();
        Assert.False(pair.Server.IsAborted);
        Assert.Equal("done", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 4));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_FromTwoThreadsAtOnce_IsRejectedWithInvalidOperationException()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions());
        var output = pair.Server.Output;
        var drain = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            try
            {
                while (await pair.Client.ReceiveAsync(buffer, SocketFlags.None) > 0)
                {
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });

        // Two threads flushing the same writer, empty flushes (no bytes: no corruption to worry about): sooner or later
        // one enters while the other is inside, and that one must be told, not silently interleaved.
        var rejected = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var threads = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && Volatile.Read(ref rejected) == 0)
            {
                try
                {
                    await output.FlushAsync();
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref rejected);
                }
            }
        })).ToArray();
        await Task.WhenAll(threads);
        Assert.True(rejected > 0, "an overlapping flush was never rejected");
        pair.Client.Shutdown(SocketShutdown.Send);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_QueuedBehindASend_CompletesOnlyOnceTheKernelTookItsBytes()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions());
        var output = pair.Server.Output;
        var filled = KernelBuffers.Fill(pair.Server);
        output.Write(KernelBuffers.Payload(Large));
        var abandoned = output.FlushAsync().AsTask();
        Assert.False(abandoned.IsCompleted, "the kernel's buffers are full: the flush waits");

        output.Write("queued"u8);
        var queued = output.FlushAsync().AsTask();

        // Nobody reads: neither flush can be done.
        await Task.Delay(200);
        Assert.False(abandoned.IsCompleted);
        Assert.False(queued.IsCompleted, "a flush queued behind a send reported done before the kernel took its bytes");

        var received = await KernelBuffers.ReceiveExactlyAsync(pair.Client, filled + Large + 6);
        Assert.False((await queued.WaitAsync(Step)).IsCompleted);
        Assert.Equal("queued"u8.ToArray(), received[^6..]);
    }
}
