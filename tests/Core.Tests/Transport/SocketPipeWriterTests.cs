using System.Net.Sockets;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>The PipeWriter contract of <see cref="SocketConnection.TransportOutput"/> (send on flush, gathered blocks, errors).</summary>
public abstract class SocketPipeWriterTests
{
    /// <summary>The input engine under test: null for .NET's socket engine, else FastProxy's epoll loops.</summary>
    protected abstract EpollEngine? Engine { get; }

    private const int TestTimeout = 30_000;

    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_ManySmallAdvancesOverSeveralBlocks_SentInOrder()
    {
        using var pool = new PinnedBlockMemoryPool();
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine, Pool = pool });
        var output = pair.Server.Output;
        var expected = new byte[20_000];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] = (byte)(i % 251);
        }

        for (var offset = 0; offset < expected.Length; offset += 100)
        {
            expected.AsSpan(offset, 100).CopyTo(output.GetSpan(100));
            output.Advance(100);
        }

        Assert.Equal(expected.Length, output.UnflushedBytes);
        Assert.True(pool.Outstanding >= 5);
        var flush = await output.FlushAsync();

        Assert.False(flush.IsCompleted);
        Assert.Equal(0, output.UnflushedBytes);
        Assert.Equal(0, pool.Outstanding);
        var received = await ReceiveBytesAsync(pair.Client, expected.Length);
        Assert.Equal(expected, received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task WriteAsync_SlowReaderLargePayload_AllBytesArrive()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var payload = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        var write = Task.Run(async () =>
        {
            for (var offset = 0; offset < payload.Length; offset += 100_000)
            {
                var result = await pair.Server.Output.WriteAsync(payload.AsMemory(offset, Math.Min(100_000, payload.Length - offset)));
                Assert.False(result.IsCompleted);
            }
        });

        var received = await ReceiveBytesAsync(pair.Client, payload.Length, readSize: 3000);
        await write.WaitAsync(Step);
        Assert.Equal(payload, received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GetMemory_HintLargerThanBlock_ReturnsEnough()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var memory = pair.Server.Output.GetMemory(100_000);
        Assert.True(memory.Length >= 100_000);
        memory.Span[..100_000].Fill((byte)'z');
        pair.Server.Output.Advance(100_000);
        await pair.Server.Output.FlushAsync();

        var received = await ReceiveBytesAsync(pair.Client, 100_000);
        Assert.All(received, b => Assert.Equal((byte)'z', b));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Advance_PastMemory_Throws()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var length = pair.Server.Output.GetMemory(10).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => pair.Server.Output.Advance(length + 1));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task GetMemory_AfterComplete_Throws()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        await pair.Server.Output.CompleteAsync();
        Assert.Throws<InvalidOperationException>(() => pair.Server.Output.GetMemory());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CancelPendingFlush_NextFlushCanceledThenDataStillSent()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var output = pair.Server.Output;
        "abc"u8.CopyTo(output.GetSpan(3));
        output.Advance(3);
        output.CancelPendingFlush();

        Assert.True((await output.FlushAsync()).IsCanceled);
        Assert.False((await output.FlushAsync()).IsCanceled);
        Assert.Equal("abc", await LoopbackHelpers.ReceiveExactlyAsync(pair.Client, 3));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_PeerReset_ReportsCompleted()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();
        await LoopbackHelpers.WaitUntilAsync(() => pair.Server.IsInputEnded, "the reset to be seen");

        System.IO.Pipelines.FlushResult result = default;
        for (var i = 0; i < 10 && !result.IsCompleted; i++)
        {
            result = await pair.Server.Output.WriteAsync(new byte[1000]).AsTask().WaitAsync(Step);
        }

        Assert.True(result.IsCompleted);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task FlushAsync_SmallWritesSteadyState_AllocatesNothing()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var drain = ReceiveBytesAsync(pair.Client, 201 * 100);

        Assert.True(WriteAndFlushSynchronously(pair.Server.Output, 1) >= 0);
        var allocated = WriteAndFlushSynchronously(pair.Server.Output, 200);

        await drain;
        Assert.Equal(0, allocated);
    }

    // Measures allocations of write + flush on this thread; small sends complete synchronously.
    private static long WriteAndFlushSynchronously(System.IO.Pipelines.PipeWriter output, int count)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            output.GetSpan(100)[..100].Fill((byte)'a');
            output.Advance(100);
            var flush = output.FlushAsync();
            if (!flush.IsCompletedSuccessfully)
            {
                return -1;
            }

            Assert.False(flush.Result.IsCompleted);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static async Task<byte[]> ReceiveBytesAsync(Socket socket, int count, int readSize = 65536)
    {
        using var cts = new CancellationTokenSource(Step);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read, Math.Min(readSize, count - read)), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF after {read} of {count}");
            }

            read += n;
        }

        return buffer;
    }
}

/// <summary>The same specification over .NET's socket engine.</summary>
public sealed class SocketPipeWriterTestsOnSockets : SocketPipeWriterTests
{
    protected override EpollEngine? Engine => null;
}

/// <summary>The same specification over FastProxy's epoll loops.</summary>
public sealed class SocketPipeWriterTestsOnEpoll : SocketPipeWriterTests
{
    protected override EpollEngine? Engine => EpollEngine.Shared();
}
