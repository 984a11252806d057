using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastProxy.Benchmarks.Mocks;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;

namespace FastProxy.Benchmarks;

/// <summary>
/// The HTTP/1.1 codec's hot paths: a browser-size request head (single segment and split in four, as a PipeReader
/// delivers after several reads), an upstream response head, and the chunked validator over a small body.
/// Budget: 0 B/op (CONVENTIONS.md §18). Each iteration parses and then resets the head, as a connection does per
/// exchange, so renting and returning the head buffer is part of the measurement.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class Http1ParserBenchmark
{
    // ~700 bytes, 12 fields: what Chrome sends to an API behind a login (bearer token and a cookie jar).
    private static readonly byte[] RequestBytes = Encoding.ASCII.GetBytes(
        "GET /api/v1/orders/12345/items?expand=product&limit=50 HTTP/1.1\r\n" +
        "Host: api.example.com\r\n" +
        "Connection: keep-alive\r\n" +
        "sec-ch-ua: \"Chromium\";v=\"130\", \"Google Chrome\";v=\"130\"\r\n" +
        "Accept: application/json, text/plain, */*\r\n" +
        "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIiwicm9sZXMiOlsib3JkZXJzLnJlYWQiXSwiZXhwIjoxOTAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLWdvLWhlcmUtYW5kLWhlcmU\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36\r\n" +
        "Sec-Fetch-Site: same-origin\r\n" +
        "Sec-Fetch-Mode: cors\r\n" +
        "Referer: https://app.example.com/orders\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-GB,en;q=0.9\r\n" +
        "Cookie: session=3f9a1c2b7d; theme=dark; _ga=GA1.1.123456789.1700000000; csrftoken=abcdef0123456789\r\n" +
        "\r\n");

    private static readonly byte[] ResponseBytes = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\n" +
        "Date: Sun, 29 Nov 2026 03:00:00 GMT\r\n" +
        "Content-Type: application/json; charset=utf-8\r\n" +
        "Content-Length: 1834\r\n" +
        "Connection: keep-alive\r\n" +
        "Cache-Control: private, max-age=0\r\n" +
        "Vary: Accept-Encoding\r\n" +
        "Strict-Transport-Security: max-age=31536000\r\n" +
        "\r\n");

    private static readonly byte[] ChunkedBytes = Encoding.ASCII.GetBytes(
        "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n" +
        "40\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n" +
        "10;ext=1\r\nABCDEFGHIJKLMNOP\r\n" +
        "0\r\n\r\n");

    private readonly Http1RequestHead _requestHead = new();
    private readonly Http1ResponseHead _responseHead = new();
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _split;
    private ReadOnlySequence<byte> _response;
    private ReadOnlySequence<byte> _chunked;

    [GlobalSetup]
    public void Setup()
    {
        _single = new ReadOnlySequence<byte>(RequestBytes);
        _split = BenchSequence.Split(RequestBytes, 4);
        _response = new ReadOnlySequence<byte>(ResponseBytes);
        _chunked = new ReadOnlySequence<byte>(ChunkedBytes);

        // Measure the success path only: a typo in the inputs above must not turn this into an error benchmark.
        if (ParseRequest_SingleSegment() != 12 || ParseRequest_FourSegments() != 12 || ParseResponse() != 7
            || ChunkedBody() != ChunkedBytes.Length + 106)
        {
            throw new InvalidOperationException("benchmark input does not parse");
        }
    }

    [Benchmark(Baseline = true)]
    public int ParseRequest_SingleSegment()
    {
        Http1Parser.TryParseRequest(_single, _requestHead, Http1Limits.Default, out _, out _);
        var count = _requestHead.HeaderCount;
        _requestHead.Reset();
        return count;
    }

    [Benchmark]
    public int ParseRequest_FourSegments()
    {
        Http1Parser.TryParseRequest(_split, _requestHead, Http1Limits.Default, out _, out _);
        var count = _requestHead.HeaderCount;
        _requestHead.Reset();
        return count;
    }

    [Benchmark]
    public int ParseResponse()
    {
        Http1Parser.TryParseResponse(_response, _responseHead, RequestMethod.Get, Http1Limits.Default, out _, out _);
        var count = _responseHead.HeaderCount;
        _responseHead.Reset();
        return count;
    }

    [Benchmark]
    public long ChunkedBody()
    {
        var reader = new ChunkedBodyReader(1 << 20, Http1Limits.Default);
        reader.Advance(_chunked, out var valid, out _);
        return valid + reader.BodyBytes;
    }
}
