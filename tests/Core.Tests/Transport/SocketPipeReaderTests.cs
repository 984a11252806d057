using System.Buffers;
using System.Net.Sockets;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>The PipeReader contract of <see cref="SocketConnection.TransportInput"/> (consumed/examined, backpressure, cancellation).</summary>
public abstract class SocketPipeReaderTests
{
    /// <summary>The input engine under test: null for .NET's socket engine, else FastProxy's epoll loops.</summary>
    protected abstract EpollEngine? Engine { get; }

    private const int TestTimeout = 30_000;

    private static readonly TimeSpan Step = LoopbackHelpers.StepTimeout;

    [Fact(Timeout = TestTimeout)]
    public async Task ReadAsync_ExaminedToEndNotConsumed_WaitsForMoreThenReturnsAll()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var input = pair.Server.Input;
        await LoopbackHelpers.SendAsync(pair.Client, "GET / HT");
        var first = await ReadUntilAsync(input, 8);
        input.AdvanceTo(first.Buffer.Start, first.Buffer.End);

        var pending = input.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);

        await LoopbackHelpers.SendAsync(pair.Client, "TP/1.1");
        var second = await pending.WaitAsync(Step);
        Assert.Equal("GET / HTTP/1.1", Text(second.Buffer));
        input.AdvanceTo(second.Buffer.End);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReadAsync_PartlyConsumedNotExamined_ReturnsRestAtOnce()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var input = pair.Server.Input;
        await LoopbackHelpers.SendAsync(pair.Client, "abcdef");
        var first = await ReadUntilAsync(input, 6);
        var mid = first.Buffer.GetPosition(2);
        input.AdvanceTo(mid, mid);

        var second = await input.ReadAsync().AsTask().WaitAsync(Step);
        Assert.Equal("cdef", Text(second.Buffer));
        input.AdvanceTo(second.Buffer.End);
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(4096, 1)]
    [InlineData(4096, 777)]
    [InlineData(65536, 5000)]
    public async Task ReadAsync_LargeStreamWithSmallBuffer_AllBytesInOrder(int maxBuffered, int chunk)
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine, MaxReadBufferSize = maxBuffered });
        var payload = new byte[512 * 1024];
        new Random(42).NextBytes(payload);
        var send = Task.Run(async () =>
        {
            await pair.Client.SendAsync(payload, SocketFlags.None);
            pair.Client.Shutdown(SocketShutdown.Send);
        });

        var received = new byte[payload.Length];
        var offset = 0;
        var input = pair.Server.Input;
        while (true)
        {
            var result = await input.ReadAsync().AsTask().WaitAsync(Step);
            Assert.InRange(result.Buffer.Length, 0, maxBuffered + 4096);

            // Consume at most `chunk` bytes per read; the rest stays buffered (examined).
            var take = (int)Math.Min(chunk, result.Buffer.Length);
            result.Buffer.Slice(0, take).CopyTo(received.AsSpan(offset));
            offset += take;
            var consumed = result.Buffer.GetPosition(take);
            if (result.IsCompleted && take == result.Buffer.Length)
            {
                input.AdvanceTo(consumed);
                break;
            }

            input.AdvanceTo(consumed, take == 0 ? result.Buffer.End : consumed);
        }

        await send.WaitAsync(Step);
        Assert.Equal(payload.Length, offset);
        Assert.Equal(payload, received);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReadAsync_ReaderStopsConsuming_ReceivingPausesAtLimit()
    {
        using var pool = new PinnedBlockMemoryPool();
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine, Pool = pool, MaxReadBufferSize = 16 * 1024 });
        var payload = new byte[1024 * 1024];
        var send = pair.Client.SendAsync(payload, SocketFlags.None);
        var input = pair.Server.Input;

        // Examine everything, consume nothing, until the reader stops growing the buffer.
        long seen = 0;
        while (true)
        {
            var read = input.ReadAsync().AsTask();
            if (await Task.WhenAny(read, Task.Delay(300)) != read)
            {
                break;
            }

            var result = await read;
            seen = result.Buffer.Length;
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        Assert.InRange(seen, 16 * 1024, (16 * 1024) + 4096);
        Assert.InRange(pool.Outstanding, 4, 6);

        // The client's send may still be blocked on the full window; closing both ends releases it.
        pair.Server.Abort();
        pair.Client.Dispose();
        await Task.WhenAny(send, Task.Delay(Step));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReadAsync_FinAfterData_DataThenCompleted()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        await LoopbackHelpers.SendAsync(pair.Client, "last");
        pair.Client.Shutdown(SocketShutdown.Send);
        await LoopbackHelpers.WaitUntilAsync(() => pair.Server.IsInputEnded, "FIN");

        var result = await pair.Server.Input.ReadAsync().AsTask().WaitAsync(Step);
        Assert.True(result.IsCompleted);
        Assert.Equal("last", Text(result.Buffer));
        pair.Server.Input.AdvanceTo(result.Buffer.End);

        var again = await pair.Server.Input.ReadAsync().AsTask().WaitAsync(Step);
        Assert.True(again.IsCompleted);
        Assert.True(again.Buffer.IsEmpty);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReadAsync_TokenCanceled_ThrowsThenReadsAgain()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        using var cts = new CancellationTokenSource();
        var pending = pair.Server.Input.ReadAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Step));

        await LoopbackHelpers.SendAsync(pair.Client, "ok");
        var result = await ReadUntilAsync(pair.Server.Input, 2);
        Assert.Equal("ok", Text(result.Buffer));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task DisposeAsync_WhileALayerAboveWaitsInARead_ThatReadFailsInsteadOfWaitingForever()
    {
        // A TLS pump reads the transport input while the handler above it closes the connection.
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        var pending = pair.Server.TransportInput.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);

        await pair.Server.DisposeAsync();

        await Assert.ThrowsAsync<ConnectionAbortedException>(() => pending.WaitAsync(Step));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CancelPendingRead_NoReadPending_NextReadIsCanceled()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        pair.Server.Input.CancelPendingRead();

        var result = await pair.Server.Input.ReadAsync().AsTask().WaitAsync(Step);
        Assert.True(result.IsCanceled);
        pair.Server.Input.AdvanceTo(result.Buffer.Start);

        var next = pair.Server.Input.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(next.IsCompleted);
        await LoopbackHelpers.SendAsync(pair.Client, "x");
        Assert.False((await next.WaitAsync(Step)).IsCanceled);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task TryRead_NothingArrived_False_ThenTrueEvenIfExamined()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        Assert.False(pair.Server.Input.TryRead(out _));

        await LoopbackHelpers.SendAsync(pair.Client, "hi");
        await LoopbackHelpers.WaitUntilAsync(() => Peek(pair.Server.Input), "bytes to arrive");
        Assert.True(pair.Server.Input.TryRead(out var result));
        Assert.Equal("hi", Text(result.Buffer));
        pair.Server.Input.AdvanceTo(result.Buffer.End);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Complete_ThenRead_Throws()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        await pair.Server.Input.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pair.Server.Input.ReadAsync());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AdvanceTo_ForeignPosition_Throws()
    {
        await using var pair = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        await using var other = await SocketPair.CreateAsync(new SocketConnectionOptions { Epoll = Engine });
        await LoopbackHelpers.SendAsync(pair.Client, "data");
        await LoopbackHelpers.SendAsync(other.Client, "more");
        var result = await ReadUntilAsync(pair.Server.Input, 4);
        var foreign = await ReadUntilAsync(other.Server.Input, 4);

        // A position in another connection's (live) buffer is not within this reader's buffer.
        // (A position of a buffer already released is not checkable: its pooled segment may be in use again.)
        Assert.Throws<InvalidOperationException>(() => pair.Server.Input.AdvanceTo(foreign.Buffer.Start));
        pair.Server.Input.AdvanceTo(result.Buffer.End);
        other.Server.Input.AdvanceTo(foreign.Buffer.End);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AdvanceTo_ExaminedPositionOfAnotherReader_ThrowsAndChangesNothing()
    {
        // An examined position can only be in this reader's bytes: one from another connection's buffer (further
        // into its stream) used to be taken as read, and the next read then waited for bytes that never came.
        var options = new SocketConnectionOptions { Epoll = Engine };
        await using var reader = await SocketPair.CreateAsync(options);
        await using var other = await SocketPair.CreateAsync(options);
        await other.Client.SendAsync(new byte[6000], SocketFlags.None);
        var far = await ReadUntilAsync(other.Server.Input, 6000);

        await LoopbackHelpers.SendAsync(reader.Client, "ab");
        var first = await ReadUntilAsync(reader.Server.Input, 2);
        Assert.Throws<InvalidOperationException>(() => reader.Server.Input.AdvanceTo(first.Buffer.Start, far.Buffer.End));
        other.Server.Input.AdvanceTo(far.Buffer.End);
        reader.Server.Input.AdvanceTo(first.Buffer.Start, first.Buffer.End);

        await LoopbackHelpers.SendAsync(reader.Client, "cd");
        var second = await ReadUntilAsync(reader.Server.Input, 4);
        Assert.Equal("abcd", Text(second.Buffer));
        reader.Server.Input.AdvanceTo(second.Buffer.End);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AdvanceTo_WhileOtherConnectionsRecycleSegments_NextReadStillSeesNewBytes()
    {
        // Segments are recycled process-wide. A reader that consumed everything returns its segments at once;
        // another connection's reader may take one and give it its own (far larger) stream position at any
        // moment. The examined position must not be read from such a segment, or this reader believes it
        // has examined bytes it has not received yet and waits for them forever.
        var options = new SocketConnectionOptions { Epoll = Engine };
        await using var quiet = await SocketPair.CreateAsync(options);
        await using var busy = await SocketPair.CreateAsync(options);
        using var stop = new CancellationTokenSource();
        var chunk = new byte[3000];
        var sender = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                busy.Client.Send(chunk);
            }
        });
        var drainer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await busy.Server.Input.ReadAsync(stop.Token);
                busy.Server.Input.AdvanceTo(result.Buffer.End);
            }
        });

        try
        {
            var input = quiet.Server.Input;
            var one = new byte[] { (byte)'x' };
            for (var i = 0; i < 20_000; i++)
            {
                quiet.Client.Send(one);
                var result = await input.ReadAsync().AsTask().WaitAsync(Step);
                Assert.Equal(1, result.Buffer.Length);
                input.AdvanceTo(result.Buffer.End);
            }
        }
        finally
        {
            await stop.CancelAsync();
            busy.Server.Abort();
            await Task.WhenAll(sender, drainer).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }

    private static bool Peek(System.IO.Pipelines.PipeReader input)
    {
        if (!input.TryRead(out var result))
        {
            return false;
        }

        input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        return true;
    }

    private static async Task<System.IO.Pipelines.ReadResult> ReadUntilAsync(System.IO.Pipelines.PipeReader input, int length)
    {
        while (true)
        {
            var result = await input.ReadAsync().AsTask().WaitAsync(Step);
            if (result.Buffer.Length >= length || result.IsCompleted)
            {
                return result;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static string Text(ReadOnlySequence<byte> buffer) => System.Text.Encoding.ASCII.GetString(buffer.ToArray());
}

/// <summary>The same specification over .NET's socket engine.</summary>
public sealed class SocketPipeReaderTestsOnSockets : SocketPipeReaderTests
{
    protected override EpollEngine? Engine => null;
}

/// <summary>The same specification over FastProxy's epoll loops.</summary>
public sealed class SocketPipeReaderTestsOnEpoll : SocketPipeReaderTests
{
    protected override EpollEngine? Engine => EpollEngine.Shared();
}
