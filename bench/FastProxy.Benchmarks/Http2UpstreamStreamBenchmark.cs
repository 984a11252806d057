using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using FastProxy.Benchmarks.Mocks;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Tests.Http2.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Benchmarks;

/// <summary>
/// One upstream request through <see cref="Http2UpstreamStream"/> on an <see cref="Http2UpstreamConnection"/> over
/// in-memory pipes: the head (HPACK-encoded, HEADERS written under the connection lock), a small body as DATA, then the
/// response head, body and end read back. The upstream is a minimal responder that answers every stream with a canned
/// 200 + "ok" and returns the connection window. Steady state: 0 B/op.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class Http2UpstreamStreamBenchmark
{
    private static readonly ReadOnlySequence<byte> RequestBody = new("{\"order\":42,\"items\":[1,2,3]}"u8.ToArray());

    private PipeConnection _pipes = null!;
    private Http2UpstreamConnection _connection = null!;
    private Task _responder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pipes = new PipeConnection(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        _connection = new Http2UpstreamConnection(_pipes, new Http2UpstreamOptions { PingInterval = TimeSpan.Zero }, TimeProvider.System, NullLogger.Instance, "bench", "127.0.0.1:80");
        _responder = Task.Run(() => MinimalHttp2Responder.RunAsync(_pipes.ClientInput, _pipes.ClientOutput));
        _connection.StartAsync(TimeSpan.FromSeconds(5), CancellationToken.None).GetAwaiter().GetResult();
        for (var i = 0; i < 200; i++)
        {
            Request().AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _pipes.ClientOutput.Complete();
        _responder.Wait(TimeSpan.FromSeconds(5), CancellationToken.None);
    }

    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<long> Request()
    {
        if (!_connection.TryReserve(out var stream))
        {
            throw new InvalidOperationException("no room on the connection");
        }

        stream.AddRequestField(":method"u8, "POST"u8);
        stream.AddRequestField(":scheme"u8, "http"u8);
        stream.AddRequestField(":authority"u8, "orders.internal"u8);
        stream.AddRequestField(":path"u8, "/v1/orders"u8);
        stream.AddRequestField("content-type"u8, "application/json"u8);
        await stream.SendRequestHeadAsync(endStream: false);
        await stream.WriteRequestDataAsync(RequestBody, endStream: true, CancellationToken.None);
        if (await stream.ReadResponseHeadAsync(CancellationToken.None) != Http2UpstreamHeadOutcome.Complete)
        {
            throw new InvalidOperationException("no response");
        }

        long bytes = 0;
        while (true)
        {
            var result = await stream.ResponseBody.ReadAsync(CancellationToken.None);
            bytes += result.Buffer.Length;
            stream.ResponseBody.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        stream.Release();
        return bytes;
    }
}
