using System.Buffers;
using System.IO.Pipelines;
using FastProxy.Http.Http1;
using static FastProxy.Http.Tests.Http1.Http1TestInput;

namespace FastProxy.Http.Tests.Http1;

/// <summary>
/// The parser driven the way the forwarder drives it: a PipeReader, AdvanceTo(consumed, examined), heads arriving in
/// small writes across pipe segments (tiny minimumSegmentSize, StackExchange.Redis's trick from CONVENTIONS.md §16).
/// </summary>
public sealed class Http1ParserPipeTests
{
    private const string First = "POST /upload HTTP/1.1\r\nHost: files.example\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer t\r\n\r\n";
    private const string Body = "4;x=1\r\nWiki\r\n5\r\npedia\r\n0\r\nChecksum: 1\r\n\r\n";
    private const string Second = "GET /next?q=1 HTTP/1.1\r\nHost: files.example\r\nConnection: close\r\n\r\n";

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(4096)]
    public async Task PipeReader_HeadsAndChunkedBodyInSmallWrites_ParsedInOrder(int writeSize)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 16, pauseWriterThreshold: 0));
        var writer = WriteAsync(pipe.Writer, Bytes(First + Body + Second), writeSize, timeout.Token);

        var head = new Http1RequestHead();
        var reader = pipe.Reader;

        Assert.True(await ReadHeadAsync(reader, head, timeout.Token));
        Assert.Equal("/upload", Text(head.Path));
        Assert.Equal(BodyKind.Chunked, head.BodyKind);
        Assert.True(head.KeepAlive);
        head.Reset();

        var chunked = new ChunkedBodyReader(1024, Http1Limits.Default);
        var forwarded = new List<byte>();
        while (true)
        {
            var result = await reader.ReadAsync(timeout.Token);
            var status = chunked.Advance(result.Buffer, out var valid, out var error);
            Assert.NotEqual(ChunkedStatus.Error, status);
            forwarded.AddRange(result.Buffer.Slice(0, valid).ToArray());
            var consumed = result.Buffer.GetPosition(valid);
            if (status == ChunkedStatus.Done)
            {
                reader.AdvanceTo(consumed);
                break;
            }

            Assert.False(result.IsCompleted, $"body ended early: {error}");
            reader.AdvanceTo(consumed, result.Buffer.End);
        }

        Assert.Equal(Body, Text(forwarded.ToArray()));
        Assert.Equal(9, chunked.BodyBytes);

        Assert.True(await ReadHeadAsync(reader, head, timeout.Token));
        Assert.Equal("/next", Text(head.Path));
        Assert.Equal("q=1", Text(head.Query));
        Assert.False(head.KeepAlive);
        head.Reset();

        await writer;
        var end = await reader.ReadAsync(timeout.Token);
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
    }

    [Fact]
    public async Task PipeReader_HeadOverLimitTrickledIn_ErrorWithoutBlankLine()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 16, pauseWriterThreshold: 0));
        var limits = new Http1Limits(64, 256, 10, 64, 64);
        var writer = WriteAsync(pipe.Writer, Bytes("GET / HTTP/1.1\r\nHost: h\r\nX: " + new string('a', 1000)), 5, timeout.Token);

        var head = new Http1RequestHead();
        Http1ParseError error;
        while (true)
        {
            var result = await pipe.Reader.ReadAsync(timeout.Token);
            var status = Http1Parser.TryParseRequest(result.Buffer, head, limits, out var consumed, out error);
            Assert.NotEqual(Http1ParseStatus.Complete, status);
            if (status == Http1ParseStatus.Error)
            {
                Assert.True(result.Buffer.Length >= 256);
                break;
            }

            Assert.False(result.IsCompleted);
            pipe.Reader.AdvanceTo(consumed, result.Buffer.End);
        }

        Assert.Equal(431, error.Status);
        await pipe.Reader.CompleteAsync();
        await writer;
    }

    private static async Task<bool> ReadHeadAsync(PipeReader reader, Http1RequestHead head, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var status = Http1Parser.TryParseRequest(result.Buffer, head, Http1Limits.Default, out var consumed, out var error);
            Assert.True(status != Http1ParseStatus.Error, error.Kind.ToString());
            if (status == Http1ParseStatus.Complete)
            {
                reader.AdvanceTo(consumed);
                return true;
            }

            Assert.Equal(result.Buffer.Start, consumed);
            if (result.IsCompleted)
            {
                return false;
            }

            reader.AdvanceTo(consumed, result.Buffer.End);
        }
    }

    private static async Task WriteAsync(PipeWriter writer, byte[] data, int writeSize, CancellationToken cancellationToken)
    {
        for (var i = 0; i < data.Length; i += writeSize)
        {
            var result = await writer.WriteAsync(data.AsMemory(i, Math.Min(writeSize, data.Length - i)), cancellationToken);
            if (result.IsCompleted)
            {
                break;
            }

            await Task.Yield();
        }

        await writer.CompleteAsync();
    }
}
