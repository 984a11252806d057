using System.Text;
using BenchmarkDotNet.Attributes;
using FastProxy.Http.Http2.HPack;

namespace FastProxy.Benchmarks;

/// <summary>
/// HPACK decode of a typical API request (RFC 7541): the first request of a connection (Huffman literals, each field
/// added to the dynamic table) and a repeat of it (every field one dynamic-table index). Budget: 0 B/op
/// (CONVENTIONS.md §18). The handler is a struct, as the HTTP/2 connection's will be, so the generic call is direct.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class HPackDecoderBenchmark
{
    // ~850-byte bearer token: a JWT with a handful of claims and an RS256 signature.
    private static readonly string Token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0." + new string('e', 300) + "." + new string('s', 512);

    private static readonly (string Name, string Value)[] Request =
    [
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/api/orders/7"),
        (":authority", "api.example.com"),
        ("authorization", "Bearer " + Token),
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"),
        ("accept", "application/json"),
        ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ];

    private readonly HPackDecoder _firstDecoder = new();
    private readonly HPackDecoder _repeatDecoder = new();
    private byte[] _first = [];
    private byte[] _repeat = [];
    private CountingHandler _handler;

    [GlobalSetup]
    public void Setup()
    {
        using var encoder = new HPackEncoder();
        _first = Encode(encoder);
        _repeat = Encode(encoder);
        if (_repeatDecoder.Decode(_first, ref _handler) != HPackError.None || DecodeFirstRequest() != Request.Length || DecodeRepeatRequest() != Request.Length)
        {
            throw new InvalidOperationException("benchmark input does not decode");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _firstDecoder.Dispose();
        _repeatDecoder.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int DecodeFirstRequest()
    {
        _handler.Count = 0;
        _firstDecoder.Decode(_first, ref _handler);
        return _handler.Count;
    }

    [Benchmark]
    public int DecodeRepeatRequest()
    {
        _handler.Count = 0;
        _repeatDecoder.Decode(_repeat, ref _handler);
        return _handler.Count;
    }

    private static byte[] Encode(HPackEncoder encoder)
    {
        var block = new byte[4096];
        var length = 0;
        foreach (var (name, value) in Request)
        {
            if (!encoder.TryEncode(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value), HPackIndexing.Incremental, true, block.AsSpan(length), out var written))
            {
                throw new InvalidOperationException("block too small");
            }

            length += written;
        }

        return block[..length];
    }

    private struct CountingHandler : IHeaderHandler
    {
        public int Count;

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Count++;
    }
}
