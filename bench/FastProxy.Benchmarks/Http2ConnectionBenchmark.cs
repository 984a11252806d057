using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using FastProxy.Benchmarks.Mocks;
using FastProxy.Core.Limits;
using FastProxy.Http.Http2;
using FastProxy.Http.Http2.HPack;
using FastProxy.Http.Http2.Streams;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Benchmarks;

/// <summary>
/// A full GET through <see cref="Http2Connection"/> over an in-memory pipe: the client writes one HEADERS frame (a
/// typical browser-like head with a bearer token), the connection decodes and validates it into a pooled stream, the
/// handler answers 200 with a small body, and the client reads the HEADERS and DATA back. Steady state: 0 B/op.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class Http2ConnectionBenchmark
{
    private static readonly byte[] Body = "hello from h2"u8.ToArray();

    private PipeConnection _connection = null!;
    private CancellationTokenSource _shutdown = null!;
    private Task _run = null!;
    private byte[] _request = [];
    private int _streamId = 1;

    /// <summary>
    /// With a request rate limit per connection (limits.max_requests_per_connection_per_second) too high to refuse
    /// anything: the cost of the one check per new stream, which must stay 0 B/op.
    /// </summary>
    [Params(false, true)]
    public bool RequestRateLimited { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Inline schedulers: continuations run where the data lands, so the benchmark measures the connection and
        // not thread-pool hops (the connection's own hand-offs to the pool remain).
        _connection = new PipeConnection(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        _shutdown = new CancellationTokenSource();
        var connection = new Http2Connection(_connection, new SmallResponseHandler(), Options(RequestRateLimited), NullLogger.Instance, _shutdown.Token);
        _run = Task.Run(connection.RunAsync, CancellationToken.None);

        var output = _connection.ClientOutput;
        output.Write(Http2Preface.Bytes);
        Http2FrameWriter.WriteSettings(output, [(Http2SettingsParameter.InitialWindowSize, int.MaxValue), (Http2SettingsParameter.HeaderTableSize, 0)]);
        Http2FrameWriter.WriteWindowUpdate(output, 0, int.MaxValue - 65_535);
        Http2FrameWriter.WriteSettingsAck(output);
        output.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

        // Literal fields without indexing: every request's block is the same bytes and leaves the HPACK table alone.
        using var encoder = new HPackEncoder();
        var block = new byte[1024];
        var length = 0;
        foreach (var (name, value) in new[]
        {
            (":method", "GET"), (":scheme", "https"), (":authority", "api.example.com"), (":path", "/v1/orders/42?expand=items"),
            ("accept", "application/json"), ("user-agent", "bench/1.0"), ("authorization", "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl"),
            ("accept-encoding", "gzip, br"), ("x-request-id", "7f3c2b1a-0d4e-4c8b-9a6f-1e2d3c4b5a69"),
        })
        {
            encoder.TryEncode(System.Text.Encoding.ASCII.GetBytes(name), System.Text.Encoding.ASCII.GetBytes(value), HPackIndexing.WithoutIndexing, huffman: true, block.AsSpan(length), out var written);
            length += written;
        }

        var frame = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteHeaders(frame, 1, block.AsSpan(0, length), endStream: true, Http2Settings.MinMaxFrameSize);
        _request = frame.WrittenSpan.ToArray();

        // Skip the server's SETTINGS, WINDOW_UPDATE and SETTINGS ACK, then warm the pools.
        DrainUntilSettingsAck().AsTask().GetAwaiter().GetResult();
        for (var i = 0; i < 100; i++)
        {
            Get().AsTask().GetAwaiter().GetResult();
        }
    }

    private static Http2ConnectionOptions Options(bool rateLimited) => rateLimited
        ? new Http2ConnectionOptions { RequestRate = static () => new RequestRateLimit(1_000_000, 1_000_000) }
        : new Http2ConnectionOptions();

    [GlobalCleanup]
    public void Cleanup()
    {
        _shutdown.Cancel();
        _connection.ClientOutput.Complete();
        _run.Wait(TimeSpan.FromSeconds(5), CancellationToken.None);
        _shutdown.Dispose();
    }

    [Benchmark]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> Get()
    {
        var streamId = _streamId;
        _streamId += 2;
        var output = _connection.ClientOutput;
        var span = output.GetSpan(_request.Length);
        _request.CopyTo(span);
        BinaryPrimitives.WriteInt32BigEndian(span.Slice(5, 4), streamId);
        output.Advance(_request.Length);
        await output.FlushAsync(CancellationToken.None);

        // Read frames until the response's END_STREAM.
        var input = _connection.ClientInput;
        var bytes = 0;
        while (true)
        {
            var result = await input.ReadAsync(CancellationToken.None);
            var buffer = result.Buffer;
            var ended = false;
            while (TryReadFrame(ref buffer, out var endStream, out var length))
            {
                bytes += length;
                ended |= endStream;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (ended)
            {
                return bytes;
            }

            if (result.IsCompleted)
            {
                throw new InvalidOperationException("the connection closed");
            }
        }
    }

    private static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out bool endStream, out int length)
    {
        endStream = false;
        length = 0;
        if (buffer.Length < Http2FrameHeader.Size)
        {
            return false;
        }

        Span<byte> head = stackalloc byte[Http2FrameHeader.Size];
        buffer.Slice(0, Http2FrameHeader.Size).CopyTo(head);
        var header = Http2FrameHeader.ReadFrom(head);
        if (buffer.Length < Http2FrameHeader.Size + header.Length)
        {
            return false;
        }

        length = header.Length;
        endStream = header.Type is Http2FrameType.Data or Http2FrameType.Headers && header.HasFlag(Http2FrameFlags.EndStream);
        buffer = buffer.Slice(Http2FrameHeader.Size + header.Length);
        return true;
    }

    private async ValueTask DrainUntilSettingsAck()
    {
        var input = _connection.ClientInput;
        while (true)
        {
            var result = await input.ReadAsync(CancellationToken.None);
            var buffer = result.Buffer;
            var acked = false;
            while (buffer.Length >= Http2FrameHeader.Size)
            {
                var head = new byte[Http2FrameHeader.Size];
                buffer.Slice(0, Http2FrameHeader.Size).CopyTo(head);
                var header = Http2FrameHeader.ReadFrom(head);
                if (buffer.Length < Http2FrameHeader.Size + header.Length)
                {
                    break;
                }

                acked |= header.Type == Http2FrameType.Settings && header.HasFlag(Http2FrameFlags.Ack);
                buffer = buffer.Slice(Http2FrameHeader.Size + header.Length);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (acked)
            {
                return;
            }
        }
    }

    /// <summary>200 with a small body and content-length: what a trivial upstream answer looks like.</summary>
    private sealed class SmallResponseHandler : IHttp2StreamHandler
    {
        public ValueTask HandleAsync(IHttp2RequestStream stream) => Respond(stream);

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private static async ValueTask Respond(IHttp2RequestStream stream)
        {
            stream.AddResponseField("content-type"u8, "text/plain"u8);
            stream.AddResponseField("content-length"u8, "13"u8);
            await stream.WriteResponseHeadAsync(200, endStream: false);
            await stream.WriteDataAsync(new ReadOnlySequence<byte>(Body), endStream: true);
        }
    }
}
