using System.Buffers;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastProxy.Benchmarks.Mocks;
using FastProxy.Core.Gate;
using FastProxy.Core.Routing;
using FastProxy.Core.Timing;
using FastProxy.Core.Upstream;
using FastProxy.Http.Proxy;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Benchmarks;

/// <summary>
/// One HTTP/2 GET through the forwarding adapter (<see cref="Http2ProxyStreamHandler"/>): route, gate (allow-all),
/// request ids, a pooled upstream lease, the HTTP/1.1 request head written, the response head parsed and its fields
/// and 1 KiB body relayed to the stream, the record. The stream is a counting fake and the upstream an in-memory
/// connection whose response is written before each request, so everything runs synchronously and what is measured
/// is the adapter. Budget: 0 B/op (CONVENTIONS.md §18).
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class Http2ForwardBenchmark
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\n" +
        "Date: Sun, 29 Nov 2026 03:00:00 GMT\r\n" +
        "Content-Type: application/json; charset=utf-8\r\n" +
        "Content-Length: 1024\r\n" +
        "Cache-Control: private, max-age=0\r\n" +
        "\r\n" + new string('x', 1024));

    private BenchConnection _upstream = null!;
    private BenchHttp2Stream _stream = null!;
    private UpstreamCluster _cluster = null!;
    private Http2ProxyStreamHandler _handler = null!;
    private Heartbeat _heartbeat = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The upstream response deadline needs a heartbeat, as in the host.
        _heartbeat = new Heartbeat(TimeProvider.System, TimeSpan.FromSeconds(1));
        _upstream = new BenchConnection(new IPEndPoint(IPAddress.Loopback, 8080), _heartbeat);
        var client = new BenchConnection(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50_000));
        var pool = new UpstreamPoolOptions { Connector = new BenchConnector(_upstream) };
        _cluster = new UpstreamCluster("orders", [new IPEndPoint(IPAddress.Loopback, 8080)], BalancePolicy.RoundRobin, pool, TimeProvider.System, NullLogger.Instance);
        var runtime = new ProxyRuntime(new RouteTable([new RouteSpec(null, "/**", null)]), ["all"], [_cluster], AllowAllGate.Instance);
        _handler = new Http2ProxyStreamHandler(() => runtime, new Http1ProxyOptions(), ThrowingLogger.Instance);
        _stream = new BenchHttp2Stream(client, [
            ("accept", "application/json"),
            ("user-agent", "grpc-dotnet/2.66 (.NET 10.0)"),
            ("authorization", "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl"),
            ("cookie", "session=3f9a1c2b7d"),
            ("cookie", "theme=dark"),
            ("accept-encoding", "gzip, deflate, br"),
        ]);

        // Warm the pools (stream states, exchanges, heads, ids, the upstream lease) outside the measurement.
        // The first lease connects (asynchronously, through the pool's connect path); later ones come from the idle stack.
        for (var i = 0; i < 16; i++)
        {
            WriteResponse();
            _stream.Reset();
            _handler.HandleAsync(_stream).AsTask().GetAwaiter().GetResult();
            _upstream.Drain();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _heartbeat.Dispose();
    }

    [Benchmark]
    public long Forward()
    {
        WriteResponse();
        _stream.Reset();
        var run = _handler.HandleAsync(_stream);
        if (!run.IsCompletedSuccessfully || _stream.Status != 200)
        {
            throw new InvalidOperationException("the forward did not complete synchronously with a 200");
        }

        run.GetAwaiter().GetResult();
        return _upstream.Drain() + _stream.DataBytes;
    }

    private void WriteResponse()
    {
        _upstream.Incoming.Writer.Write(Response);
        var flush = _upstream.Incoming.Writer.FlushAsync(CancellationToken.None);
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the upstream's pipe did not take the response at once");
        }

        flush.GetAwaiter().GetResult();
    }
}
