using System.Buffers;
using System.IO.Pipelines;
using FastProxy.Http.Http2.Client;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Http.Tests.Http2.Client;

/// <summary>
/// A stream's writes reach the upstream while the connection's flusher and the read loop (which writes WINDOW_UPDATE
/// and SETTINGS acknowledgements) flush at the same time: no write waits for a flush that already happened.
/// </summary>
public sealed class Http2UpstreamFlushTests
{
    private static readonly ReadOnlySequence<byte> Body = new("{\"order\":42}"u8.ToArray());

    [Fact(Timeout = 120_000)]
    public async Task ManyRequests_WhileOtherFlushesRun_EveryOneIsSentAndAnswered()
    {
        // A request's head waits until it was flushed. When the flush that carried it was another's (the flusher's, woken
        // by the read loop's WINDOW_UPDATE), and it ended between the stream's look at the flush and its registering to be
        // woken, the stream waited for a wake-up that had already gone out: the request was never sent and hung for good
        // (the in-memory benchmark stalled after ~150,000 requests). Several streams at once make the window likelier.
        // A flush waits until the upstream read its bytes (pause threshold of one byte): flushes run long and finish on the
        // responder's thread, so one is often still running when a stream looks.
        var pipes = new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
        var (server, client) = InMemoryConnection.CreatePair(pipeOptions: pipes);
        await using var connection = new Http2UpstreamConnection(client, new Http2UpstreamOptions { PingInterval = TimeSpan.Zero }, TimeProvider.System, NullLogger.Instance, "test", "127.0.0.1:80");
        var responder = Task.Run(() => MinimalHttp2Responder.RunAsync(server.Input, server.Output));
        await connection.StartAsync(TimeSpan.FromSeconds(5), CancellationToken.None);

        const int Streams = 8;
        const int RequestsPerStream = 25_000;
        var loops = Enumerable.Range(0, Streams).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < RequestsPerStream; i++)
            {
                // A request that hangs fails the test here, not at the test's own timeout.
                await OneRequestAsync(connection).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }));
        await Task.WhenAll(loops);

        await connection.DisposeAsync();
        await server.Output.CompleteAsync();
        await responder.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async ValueTask OneRequestAsync(Http2UpstreamConnection connection)
    {
        Assert.True(connection.TryReserve(out var stream), "no room on the connection");
        stream.AddRequestField(":method"u8, "POST"u8);
        stream.AddRequestField(":scheme"u8, "http"u8);
        stream.AddRequestField(":authority"u8, "orders.internal"u8);
        stream.AddRequestField(":path"u8, "/v1/orders"u8);
        await stream.SendRequestHeadAsync(endStream: false);
        await stream.WriteRequestDataAsync(Body, endStream: true, CancellationToken.None);
        Assert.Equal(Http2UpstreamHeadOutcome.Complete, await stream.ReadResponseHeadAsync(CancellationToken.None));
        while (true)
        {
            var result = await stream.ResponseBody.ReadAsync(CancellationToken.None);
            stream.ResponseBody.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        stream.Release();
    }
}
