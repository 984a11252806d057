using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Transport;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>
/// Responses never reach the wrong client (issue 10, item 10): under load, with slow and stalled readers, flush
/// deadlines that abort the connection and abandon the pending flush (as the proxy's body copies do), aborts from
/// another thread in the middle of a send, and closes right after them, every byte a client receives belongs to its
/// own stream, and every block goes back to the pool exactly once. A block returned while a send of its connection
/// still owns it (or returned twice) is handed to another connection, whose bytes then reach this client, or whose
/// client receives these.
/// </summary>
public abstract class SendOwnershipStressTests
{
    /// <summary>The input engine under test: null for .NET's socket engine, else FastProxy's epoll loops.</summary>
    protected abstract EpollEngine? Engine { get; }

    private const int TestTimeout = 60_000;

    /// <summary>Each 8-byte unit of a stream holds the stream's tag and the unit's index: a foreign or misplaced unit cannot pass.</summary>
    private const int Unit = 8;

    private const int Workers = 24;

    private const int RequestSize = 16;

    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(8);

    private static int s_nextTag;

    private enum Mode
    {
        /// <summary>The client reads everything as fast as it can.</summary>
        Fast,

        /// <summary>The client starts late and reads in small pieces: some flushes wait, some pass their deadline.</summary>
        Slow,

        /// <summary>The client never reads: the flush deadline aborts the connection with a send pending.</summary>
        Stalled,

        /// <summary>Another thread aborts the connection a moment after the first flush started.</summary>
        AbortedMidSend,
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Connections_AbortedAndClosedWhileSendsAreInFlight_EachClientReceivesOnlyItsOwnBytes()
    {
        using var pool = new PinnedBlockMemoryPool();
        var options = new SocketConnectionOptions
        {
            Epoll = Engine,
            Pool = pool,
            LingerTimeout = TimeSpan.Zero,
            CloseTimeout = TimeSpan.FromSeconds(2),
        };
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(LoopbackHelpers.AnyPortV4);
        listen.Listen(512);
        var failures = new ConcurrentQueue<string>();
        var servers = new ConcurrentBag<Task>();
        using var stopAccepting = new CancellationTokenSource();
        var accepting = AcceptAsync(listen, options, failures, servers, stopAccepting.Token);

        var until = Stopwatch.GetTimestamp() + (long)(RunFor.TotalSeconds * Stopwatch.Frequency);
        var sessions = 0;
        var clients = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            while (Stopwatch.GetTimestamp() < until && failures.IsEmpty)
            {
                await RunClientAsync(listen.LocalEndPoint!, random, failures);
                Interlocked.Increment(ref sessions);
            }
        }));
        await Task.WhenAll(clients);
        await stopAccepting.CancelAsync();
        await accepting;
        await Task.WhenAll(servers).WaitAsync(LoopbackHelpers.StepTimeout);

        // Every send has ended once its connection is disposed: nothing is still out, and nothing came back twice (negative).
        await LoopbackHelpers.WaitUntilAsync(() => pool.Outstanding <= 0, "every block to be back in the pool");
        Assert.True(failures.IsEmpty, $"{failures.Count} failure(s) in {sessions} sessions, first: {string.Join(" | ", failures.Take(3))}");
        Assert.Equal(0, pool.Outstanding);
        Assert.True(sessions > 100, $"only {sessions} sessions ran");
    }

    private static async Task AcceptAsync(Socket listen, SocketConnectionOptions options, ConcurrentQueue<string> failures, ConcurrentBag<Task> servers, CancellationToken ct)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await listen.AcceptAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            servers.Add(Task.Run(() => ServeAsync(accepted, options, failures)));
        }
    }

    /// <summary>The server side, shaped like the proxy's response copy: write, flush with a deadline, abort on its expiry, always dispose.</summary>
    private static async Task ServeAsync(Socket accepted, SocketConnectionOptions options, ConcurrentQueue<string> failures)
    {
        accepted.SendBufferSize = 4096;
        var connection = SocketConnection.Create(accepted, options);
        try
        {
            var request = await ReadRequestAsync(connection);
            if (request is not var (tag, mode, messages, size, deadline))
            {
                return;
            }

            var output = connection.Output;
            long unit = 0;
            for (var message = 0; message < messages; message++)
            {
                for (var written = 0; written < size; written += Unit)
                {
                    var span = output.GetSpan(Unit);
                    BinaryPrimitives.WriteInt32LittleEndian(span, tag);
                    BinaryPrimitives.WriteInt32LittleEndian(span[4..], (int)unit++);
                    output.Advance(Unit);
                }

                if (mode == Mode.AbortedMidSend && message == 0)
                {
                    _ = Task.Run(async () =>
                    {
                        await Task.Delay(Random.Shared.Next(0, 3));
                        connection.Abort();
                    });
                }

                var flush = output.FlushAsync();
                System.IO.Pipelines.FlushResult result;
                try
                {
                    result = flush.IsCompleted ? await flush : await flush.AsTask().WaitAsync(deadline);
                }
                catch (TimeoutException)
                {
                    // As the proxy's flush deadline: the send is still pending in the socket, only an abort ends it.
                    connection.Abort();
                    return;
                }

                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            connection.Abort();
        }
        finally
        {
            try
            {
                await connection.DisposeAsync();
            }
            catch (Exception ex)
            {
                failures.Enqueue($"DisposeAsync threw {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static async Task<(int Tag, Mode Mode, int Messages, int Size, TimeSpan Deadline)?> ReadRequestAsync(SocketConnection connection)
    {
        while (true)
        {
            var result = await connection.Input.ReadAsync();
            if (result.Buffer.Length >= RequestSize)
            {
                var bytes = new byte[RequestSize];
                result.Buffer.Slice(0, RequestSize).CopyTo(bytes);
                connection.Input.AdvanceTo(result.Buffer.GetPosition(RequestSize));
                var tag = BinaryPrimitives.ReadInt32LittleEndian(bytes);
                var mode = (Mode)bytes[4];
                var messages = bytes[5];
                var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
                var deadline = TimeSpan.FromMilliseconds(BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)));
                return (tag, mode, messages, size, deadline);
            }

            connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
        }
    }

    /// <summary>One client: asks for a tagged stream, reads it the way its mode says, and checks every unit it got.</summary>
    private static async Task RunClientAsync(EndPoint server, Random random, ConcurrentQueue<string> failures)
    {
        var tag = Interlocked.Increment(ref s_nextTag);
        // Weighted towards the aborts: an abort with a send pending, then the close, is where blocks changed hands.
        var mode = random.Next(10) switch
        {
            < 2 => Mode.Fast,
            < 4 => Mode.Slow,
            < 7 => Mode.Stalled,
            _ => Mode.AbortedMidSend,
        };
        var messages = random.Next(1, 9);

        // Small messages fill one block: on the epoll engine a flush on the loop's thread parks it (a deferred send).
        var size = random.Next(3) == 0 ? random.Next(1, 512) * Unit : (random.Next(1, 17) * 4096) + (random.Next(0, 512) * Unit);
        var deadlineMs = random.Next(1, 12);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        using var timeout = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        await client.ConnectAsync(server, timeout.Token);

        var request = new byte[RequestSize];
        BinaryPrimitives.WriteInt32LittleEndian(request, tag);
        request[4] = (byte)mode;
        request[5] = (byte)messages;
        BinaryPrimitives.WriteInt32LittleEndian(request.AsSpan(8), size);
        BinaryPrimitives.WriteInt32LittleEndian(request.AsSpan(12), deadlineMs);
        await client.SendAsync(request, SocketFlags.None, timeout.Token);

        switch (mode)
        {
            case Mode.Stalled:
                await Task.Delay(deadlineMs + random.Next(0, 20));
                break;
            case Mode.Slow:
                await Task.Delay(random.Next(0, deadlineMs * 2));
                break;
        }

        var received = new byte[messages * size];
        var count = 0;
        var chunk = mode == Mode.Slow ? 1024 : received.Length;
        try
        {
            while (count < received.Length)
            {
                var n = await client.ReceiveAsync(received.AsMemory(count, Math.Min(chunk, received.Length - count)), SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                count += n;
                if (mode == Mode.Slow && random.Next(8) == 0)
                {
                    await Task.Delay(1);
                }
            }

            if (count == received.Length && await client.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token) != 0)
            {
                failures.Enqueue($"stream {tag}: more bytes than it asked for");
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            // Aborted: the stream ends early; what came before must still be its own.
        }
        catch (OperationCanceledException)
        {
            failures.Enqueue($"stream {tag} ({mode}): no end after {count} of {received.Length} bytes");
            return;
        }

        Verify(tag, mode, received.AsSpan(0, count), failures);
    }

    private static void Verify(int tag, Mode mode, ReadOnlySpan<byte> received, ConcurrentQueue<string> failures)
    {
        for (var offset = 0; offset + Unit <= received.Length; offset += Unit)
        {
            var owner = BinaryPrimitives.ReadInt32LittleEndian(received[offset..]);
            var index = BinaryPrimitives.ReadInt32LittleEndian(received[(offset + 4)..]);
            if (owner != tag || index != offset / Unit)
            {
                failures.Enqueue($"stream {tag} ({mode}): the unit at byte {offset} is unit {index} of stream {owner}");
                return;
            }
        }
    }
}

/// <summary>The same specification over .NET's socket engine.</summary>
public sealed class SendOwnershipStressTestsOnSockets : SendOwnershipStressTests
{
    protected override EpollEngine? Engine => null;
}

/// <summary>The same specification over FastProxy's epoll loops.</summary>
public sealed class SendOwnershipStressTestsOnEpoll : SendOwnershipStressTests
{
    protected override EpollEngine? Engine => EpollEngine.Shared();
}
