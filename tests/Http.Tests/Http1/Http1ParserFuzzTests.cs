using System.Buffers;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using FastProxy.Tests.Common;
using static FastProxy.Http.Tests.Http1.Http1TestInput;

namespace FastProxy.Http.Tests.Http1;

/// <summary>
/// Seeded mutation tests (deterministic, so a failure reproduces): hostile variations of valid messages never throw,
/// and split input always agrees with contiguous input.
/// </summary>
public sealed class Http1ParserFuzzTests
{
    private const int Iterations = 3000;

    // Bytes that matter to the grammar, so mutations hit interesting paths more often than uniform noise would.
    private static readonly byte[] Interesting = Bytes("\r\n :\t\0;=\",/?%.\\@[]#\u007f\u00ff0aF");

    private static readonly byte[][] Requests =
    [
        Bytes("GET /a/b?c=d HTTP/1.1\r\nHost: h:80\r\nConnection: keep-alive, x\r\nX: 1\r\n\r\n"),
        Bytes("POST http://h/p HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Bytes("\r\nCONNECT h:443 HTTP/1.0\r\nUpgrade: websocket\r\n\r\n"),
    ];

    private static readonly byte[] Response = Bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");

    private static readonly byte[] Chunked = Bytes("5;a=\"b\"\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX: y\r\n\r\n");

    [Fact]
    public void TryParseRequest_MutatedInput_NeverThrowsAndSplitsAgree()
    {
        var random = new Random(20261129);
        var head = new Http1RequestHead();
        var limits = new Http1Limits(48, 160, 6, 32, 32);
        var outcomes = new int[3];
        for (var i = 0; i < Iterations; i++)
        {
            var input = Mutate(Requests[i % Requests.Length], random);
            var whole = ParseRequest(new ReadOnlySequence<byte>(input), head, limits, out var consumed, out var error);
            outcomes[(int)whole]++;
            if (whole == Http1ParseStatus.Complete)
            {
                Assert.InRange(consumed, 1, input.Length);
            }

            var split = random.Next(input.Length + 1);
            var status = ParseRequest(SequenceFactory.Split(input, split), head, limits, out var splitConsumed, out var splitError);
            Assert.Equal((whole, error.Kind, consumed), (status, splitError.Kind, splitConsumed));
            head.Reset();
        }

        // The mutations must reach all three outcomes, or this test proves little.
        Assert.All(outcomes, count => Assert.True(count > Iterations / 50, string.Join(",", outcomes)));
    }

    [Fact]
    public void TryParseResponse_MutatedInput_NeverThrowsAndSplitsAgree()
    {
        var random = new Random(7);
        var head = new Http1ResponseHead();
        for (var i = 0; i < Iterations; i++)
        {
            var input = Mutate(Response, random);
            var whole = ParseResponse(new ReadOnlySequence<byte>(input), head, RequestMethod.Get, Http1Limits.Default, out var consumed, out var error);
            var status = ParseResponse(SequenceFactory.Chunk(input, 1 + random.Next(8)), head, RequestMethod.Get, Http1Limits.Default, out var splitConsumed, out var splitError);
            Assert.Equal((whole, error.Kind, consumed), (status, splitError.Kind, splitConsumed));
            head.Reset();
        }
    }

    [Fact]
    public void ChunkedAdvance_MutatedInput_NeverThrowsAndSplitsAgree()
    {
        var random = new Random(42);
        var limits = new Http1Limits(64, 1024, 10, 16, 16);
        for (var i = 0; i < Iterations; i++)
        {
            var input = Mutate(Chunked, random);
            var whole = new ChunkedBodyReader(64, limits);
            var status = whole.Advance(new ReadOnlySequence<byte>(input), out var valid, out var error);

            var segmented = new ChunkedBodyReader(64, limits);
            var splitStatus = segmented.Advance(SequenceFactory.Chunk(input, 1 + random.Next(6)), out var splitValid, out var splitError);
            Assert.Equal((status, valid, error, whole.BodyBytes), (splitStatus, splitValid, splitError, segmented.BodyBytes));
            Assert.InRange(valid, 0, input.Length);
        }
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = new List<byte>(source);
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            var value = random.Next(4) == 0 ? (byte)random.Next(256) : Interesting[random.Next(Interesting.Length)];
            switch (random.Next(3))
            {
                case 0:
                    bytes[at] = value;
                    break;
                case 1:
                    bytes.Insert(at, value);
                    break;
                default:
                    bytes.RemoveAt(at);
                    break;
            }
        }

        return [.. bytes];
    }
}
