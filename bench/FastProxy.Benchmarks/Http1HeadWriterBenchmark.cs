using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;

namespace FastProxy.Benchmarks;

/// <summary>
/// The head rewrite every forwarded request and response goes through: hop-by-hop and Connection-named fields
/// dropped (one bounded option set per head), owned fields (also in underscore spelling) stripped, framing and
/// forwarding fields restated. Budget: 0 B/op (CONVENTIONS.md §18). Each iteration writes into a pipe and consumes
/// it, as the connection's output does per exchange.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("HotPath")]
public class Http1HeadWriterBenchmark
{
    // A browser-size POST with a Connection option, an underscore field and an identity header to strip.
    private static readonly byte[] RequestBytes = Encoding.ASCII.GetBytes(
        "POST /api/v1/orders/12345/items?expand=product HTTP/1.1\r\n" +
        "Host: api.example.com\r\n" +
        "Connection: keep-alive, X-Debug\r\n" +
        "X-Debug: 1\r\n" +
        "Content-Type: application/json\r\n" +
        "Content-Length: 512\r\n" +
        "Accept: application/json, text/plain, */*\r\n" +
        "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36\r\n" +
        "X-User-Id: forged\r\n" +
        "X_Client_Build: 7\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Cookie: session=3f9a1c2b7d; theme=dark\r\n" +
        "\r\n");

    private static readonly byte[] ResponseBytes = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\n" +
        "Date: Sun, 29 Nov 2026 03:00:00 GMT\r\n" +
        "Content-Type: application/json; charset=utf-8\r\n" +
        "Content-Length: 1834\r\n" +
        "Connection: keep-alive\r\n" +
        "Cache-Control: private, max-age=0\r\n" +
        "\r\n");

    private static readonly byte[][] Stripped = [Encoding.ASCII.GetBytes("x-user-id"), Encoding.ASCII.GetBytes("x-user-roles")];

    // What the gate adds: identity fields upstream for an allowed request, a challenge on a denial.
    private static readonly GateDecision WithIdentity = GateDecision.Allow(
        new FixedIdentity(new HeaderFields.Builder().Add("x-user-id", "user-42").Add("x-user-roles", "orders.read,orders.write").Build()),
        forwardAuthorization: false);

    private static readonly GateDecision Unauthorized = GateDecision.Deny(
        401,
        HeaderFields.Create("WWW-Authenticate", "Bearer realm=\"fastproxy\", error=\"invalid_token\", error_description=\"The token expired\""),
        "{\"error\":\"unauthorized\",\"reason\":\"token_expired\"}"u8.ToArray());

    private readonly Http1RequestHead _request = new();
    private readonly Http1ResponseHead _response = new();
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly IPAddress _client = IPAddress.Parse("192.0.2.9");

    [GlobalSetup]
    public void Setup()
    {
        if (Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(RequestBytes), _request, Http1Limits.Default, out _, out _) != Http1ParseStatus.Complete
            || Http1Parser.TryParseResponse(new ReadOnlySequence<byte>(ResponseBytes), _response, RequestMethod.Post, Http1Limits.Default, out _, out _) != Http1ParseStatus.Complete)
        {
            throw new InvalidOperationException("benchmark input does not parse");
        }
    }

    [Benchmark(Baseline = true)]
    public long WriteRequestHead()
    {
        var ids = RequestIds.Create(_request);
        Http1HeadWriter.WriteRequestHead(_pipe.Writer, _request, GateDecision.Allow(null, forwardAuthorization: false), _client, "https"u8, Stripped, ids);
        ids.Dispose();
        return Drain();
    }

    [Benchmark]
    public long WriteRequestHead_WithIdentityFields()
    {
        var ids = RequestIds.Create(_request);
        Http1HeadWriter.WriteRequestHead(_pipe.Writer, _request, WithIdentity, _client, "https"u8, Stripped, ids);
        ids.Dispose();
        return Drain();
    }

    [Benchmark]
    public long WriteDenial()
    {
        Http1HeadWriter.WriteDenial(_pipe.Writer, Unauthorized, closeAfter: false);
        return Drain();
    }

    [Benchmark]
    public long WriteResponseHead()
    {
        Http1HeadWriter.WriteResponseHead(_pipe.Writer, _response, clientIsHttp10: false, closeAfter: false, isUpgrade: false);
        return Drain();
    }

    private long Drain()
    {
        // No pause threshold: the flush completes synchronously, and the bytes are read back at once.
        var flush = _pipe.Writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("an unbounded pipe's flush completes at once");
        }

        _pipe.Reader.TryRead(out var result);
        var length = result.Buffer.Length;
        _pipe.Reader.AdvanceTo(result.Buffer.End);
        return length;
    }

    private sealed class FixedIdentity(HeaderFields headers) : IUpstreamIdentity
    {
        public HeaderFields Headers => headers;
    }
}
