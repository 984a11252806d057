using System.Buffers;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using FastProxy.Tests.Common;
using static FastProxy.Http.Tests.Http1.Http1TestInput;

namespace FastProxy.Http.Tests.Http1;

/// <summary>CONVENTIONS.md §16: every prefix is Incomplete with nothing consumed; every split gives identical results.</summary>
public sealed class Http1ParserSplitTests
{
    public static TheoryData<string> Requests => new()
    {
        "GET /orders/7?expand=items HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer t0k3n\r\nCookie: a=1; b=2\r\nAccept: */*\r\n\r\n",
        "\r\nPOST http://h:81/p HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\nConnection: keep-alive, x-a\r\nX-A:\t1 \r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: [::1]:80\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nTransfer-Encoding: chunked\r\n\r\n",
        "CONNECT db:5432 HTTP/1.0\r\n\r\n",
    };

    public static TheoryData<string> BadRequests => new()
    {
        "GET / HTTP/1.1\r\nHost: h\r\nX : 1\r\n\r\n",
        "GET / HTTP/1.1\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n",
        "GET /a/../b HTTP/1.1\r\nHost: h\r\n\r\n",
        "\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void TryParseRequest_EveryPrefix_IncompleteNothingConsumed(string raw)
    {
        var bytes = Bytes(raw);
        var head = new Http1RequestHead();
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            var status = Http1Parser.TryParseRequest(buffer, head, Http1Limits.Default, out var consumed, out _);
            Assert.True(status == Http1ParseStatus.Incomplete, $"prefix {length}: {status}");
            Assert.Equal(buffer.Start, consumed);
        }
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void TryParseRequest_SplitAtEveryByte_SameHead(string raw)
    {
        var bytes = Bytes(raw);
        var expected = Describe(bytes, new ReadOnlySequence<byte>(bytes));
        for (var split = 0; split <= bytes.Length; split++)
        {
            Assert.Equal(expected, Describe(bytes, SequenceFactory.Split(bytes, split)));
        }

        Assert.Equal(expected, Describe(bytes, SequenceFactory.Chunk(bytes, 1)));
        Assert.Equal(expected, Describe(bytes, SequenceFactory.Split(bytes, 0, 0, 3, 3, bytes.Length)));
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void TryParseRequest_OneByteSegmentsEveryPrefix_Incomplete(string raw)
    {
        var bytes = Bytes(raw);
        var head = new Http1RequestHead();
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = SequenceFactory.Chunk(bytes.AsSpan(0, length), 1);
            var status = Http1Parser.TryParseRequest(buffer, head, Http1Limits.Default, out var consumed, out _);
            Assert.Equal(Http1ParseStatus.Incomplete, status);
            Assert.Equal(0, buffer.Slice(buffer.Start, consumed).Length);
        }
    }

    [Theory]
    [MemberData(nameof(Requests))]
    [MemberData(nameof(BadRequests))]
    public void TryParseRequest_GrowingBufferSameHead_SameResultAsOneShot(string raw)
    {
        // A PipeReader hands the same start plus more after each Incomplete; the head resumes its scan.
        var bytes = Bytes(raw);
        var expected = Describe(bytes, new ReadOnlySequence<byte>(bytes));
        foreach (var segmentSize in new[] { 0, 1, 5 })
        {
            var head = new Http1RequestHead();
            var status = Http1ParseStatus.Incomplete;
            var length = 0;
            while (status == Http1ParseStatus.Incomplete && length < bytes.Length)
            {
                length++;
                var buffer = segmentSize == 0
                    ? new ReadOnlySequence<byte>(bytes, 0, length)
                    : SequenceFactory.Chunk(bytes.AsSpan(0, length), segmentSize);
                status = Http1Parser.TryParseRequest(buffer, head, Http1Limits.Default, out _, out _);
            }

            var full = segmentSize == 0 ? new ReadOnlySequence<byte>(bytes) : SequenceFactory.Chunk(bytes, segmentSize);
            Assert.Equal(expected, Describe(bytes, full, status == Http1ParseStatus.Incomplete ? head : null));
        }
    }

    [Fact]
    public void TryParseRequest_LimitsWhileGrowing_ErrorAtTheLimit()
    {
        var limits = new Http1Limits(32, 96, 3, 64, 64);
        var bytes = Bytes($"GET / HTTP/1.1\r\nHost: h\r\nX: {new string('b', 200)}");
        var head = new Http1RequestHead();
        for (var length = 1; length <= bytes.Length; length++)
        {
            var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(bytes, 0, length), head, limits, out _, out var error);
            if (status == Http1ParseStatus.Error)
            {
                Assert.Equal(Http1ErrorKind.HeadersTooLarge, error.Kind);
                Assert.Equal(96, length);
                return;
            }
        }

        Assert.Fail("no error");
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r", "\nHost: h\r\n\r\n", Http1ParseStatus.Complete)]
    [InlineData("GET / HTTP/1.1", "\nHost: h\r\n\r\n", Http1ParseStatus.Error)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\n", "\r\n", Http1ParseStatus.Complete)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\n", "\n", Http1ParseStatus.Error)]
    [InlineData("\r", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", Http1ParseStatus.Complete)]
    public void TryParseRequest_LineEndAcrossReads_JudgedOnBothReads(string first, string second, Http1ParseStatus expected)
    {
        var head = new Http1RequestHead();
        var firstBytes = Bytes(first);
        Assert.Equal(Http1ParseStatus.Incomplete, Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(firstBytes), head, Http1Limits.Default, out _, out _));
        var all = Bytes(first + second);
        Assert.Equal(expected, Http1Parser.TryParseRequest(SequenceFactory.Split(all, firstBytes.Length), head, Http1Limits.Default, out _, out _));
    }

    [Fact]
    public void Reset_AfterIncomplete_NextParseStartsFresh()
    {
        var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Incomplete, Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(Bytes("GET /first HTTP/1.1\r\nHost: a")), head, Http1Limits.Default, out _, out _));
        head.Reset();
        var other = Bytes("\r\nPOST /second HTTP/1.1\r\nHost: b\r\nContent-Length: 1\r\n\r\n");
        Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(other), head, Http1Limits.Default, out _, out _));
        Assert.Equal("/second", Text(head.Path));
        Assert.Equal("b", Text(head.Host));
    }

    [Fact]
    public void TryParseRequest_ShorterBufferAfterIncomplete_StartsFresh()
    {
        var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Incomplete, Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(Bytes("GET /first HTTP/1.1\r\nHost: a")), head, Http1Limits.Default, out _, out _));
        var other = Bytes("GET /b HTTP/1.1\r\nHost: b\r\n\r\n");
        Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(other), head, Http1Limits.Default, out _, out _));
        Assert.Equal("/b", Text(head.Path));
    }

    [Theory]
    [InlineData("GET /first HTTP/1.1\r\nHost: a", "GET /b HTTP/1.1\nX: 1\r\nHost: b\r\n\r\n", Http1ErrorKind.BareLF)]
    [InlineData("GET / HTTP/1.1\r\nHost: aaaaaaaaaaaaaaa", "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n", Http1ErrorKind.MalformedHead)]
    [InlineData("\r\nGET / HTTP/1.1\r\nHost: a", "XXGET / HTTP/1.1\r\nHost: a\r\n\r\n", Http1ErrorKind.MalformedHead)]
    public void TryParseRequest_InputChangedUnderResumedScan_ErrorNotWrongHead(string first, string changed, Http1ErrorKind kind)
    {
        // Misuse: after Incomplete the caller reuses the same memory for different bytes without Reset. The resumed
        // scan trusts its old state, but phase 3 re-validates, so the outcome is an error, never a wrong head.
        var memory = new byte[128];
        Bytes(first).CopyTo(memory, 0);
        var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Incomplete, Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(memory, 0, first.Length), head, Http1Limits.Default, out _, out _));
        Array.Clear(memory);
        Bytes(changed).CopyTo(memory, 0);
        var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(memory, 0, changed.Length), head, Http1Limits.Default, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(kind, error.Kind);
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void TryParseRequest_BadRequestSplitAtEveryByte_SameError(string raw)
    {
        var bytes = Bytes(raw);
        var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Error, Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(bytes), head, Http1Limits.Default, out _, out var expected));
        for (var split = 0; split <= bytes.Length; split++)
        {
            var status = Http1Parser.TryParseRequest(SequenceFactory.Split(bytes, split), head, Http1Limits.Default, out _, out var error);
            Assert.Equal(Http1ParseStatus.Error, status);
            Assert.Equal(expected.Kind, error.Kind);
        }

        Assert.Equal(Http1ParseStatus.Error, Http1Parser.TryParseRequest(SequenceFactory.Chunk(bytes, 1), head, Http1Limits.Default, out _, out var oneByte));
        Assert.Equal(expected.Kind, oneByte.Kind);
    }

    [Fact]
    public void TryParseRequest_LimitsInOneByteSegments_SameErrors()
    {
        var limits = new Http1Limits(32, 96, 3, 64, 64);
        var longLine = Bytes($"GET /{new string('a', 40)}");
        Assert.Equal(Http1ErrorKind.RequestLineTooLong, ErrorOf(SequenceFactory.Chunk(longLine, 1), limits));
        var bigHead = Bytes($"GET / HTTP/1.1\r\nHost: h\r\nX: {new string('b', 100)}");
        Assert.Equal(Http1ErrorKind.HeadersTooLarge, ErrorOf(SequenceFactory.Chunk(bigHead, 1), limits));
        Assert.Equal(Http1ErrorKind.HeadersTooLarge, ErrorOf(SequenceFactory.Chunk(bigHead, 7), limits));
    }

    [Fact]
    public void TryParseRequest_PipelinedRequests_FirstConsumesExactlyItsHead()
    {
        const string first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
        const string second = "GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        var bytes = Bytes(first + second);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var buffer = SequenceFactory.Split(bytes, split);
            var head = new Http1RequestHead();
            Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseRequest(buffer, head, Http1Limits.Default, out var consumed, out _));
            Assert.Equal(first.Length, buffer.Slice(buffer.Start, consumed).Length);
            Assert.Equal("/a", Text(head.Path));

            var rest = buffer.Slice(consumed);
            Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseRequest(rest, head, Http1Limits.Default, out consumed, out _));
            Assert.Equal(rest.End, consumed);
            Assert.Equal("/b", Text(head.Path));
            Assert.False(head.KeepAlive);
        }
    }

    [Fact]
    public void TryParseRequest_HeadOutlivesSourceBuffer_SpansStayValid()
    {
        var bytes = Bytes("GET /kept?q HTTP/1.1\r\nHost: kept.example\r\nAuthorization: Bearer x\r\n\r\n");
        var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(bytes), head, Http1Limits.Default, out _, out _));
        Array.Clear(bytes);
        Assert.Equal("/kept", Text(head.Path));
        Assert.Equal("kept.example", Text(head.Host));
        Assert.Equal("Bearer x", Text(head.GetValue(1)));
    }

    [Fact]
    public void TryParseResponse_SplitAtEveryByte_SameHead()
    {
        var bytes = Bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: x-y\r\nSet-Cookie: a=1\r\n\r\nhello");
        var head = new Http1ResponseHead();
        for (var length = 0; length < bytes.Length - 5; length++)
        {
            Assert.Equal(Http1ParseStatus.Incomplete, ParseResponse(SequenceFactory.Chunk(bytes.AsSpan(0, length), 3), head, RequestMethod.Get, Http1Limits.Default, out var consumed, out _));
            Assert.Equal(0, consumed);
        }

        for (var split = 0; split <= bytes.Length; split++)
        {
            Assert.Equal(Http1ParseStatus.Complete, ParseResponse(SequenceFactory.Split(bytes, split), head, RequestMethod.Get, Http1Limits.Default, out var consumed, out _));
            Assert.Equal(bytes.Length - 5, consumed);
            Assert.Equal(200, head.StatusCode);
            Assert.Equal(5, head.ContentLength);
            Assert.True(head.IsNamedInConnection("X-Y"u8));
        }
    }

    [Fact]
    public void TryParseResponse_InterimThenFinal_ParsedInSequence()
    {
        var bytes = Bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        var buffer = SequenceFactory.Chunk(bytes, 5);
        var head = new Http1ResponseHead();
        Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseResponse(buffer, head, RequestMethod.Post, Http1Limits.Default, out var consumed, out _));
        Assert.True(head.IsInterim);
        buffer = buffer.Slice(consumed);
        Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseResponse(buffer, head, RequestMethod.Post, Http1Limits.Default, out consumed, out _));
        Assert.Equal(201, head.StatusCode);
        Assert.Equal(buffer.End, consumed);
    }

    private static Http1ErrorKind ErrorOf(ReadOnlySequence<byte> buffer, in Http1Limits limits)
    {
        var status = Http1Parser.TryParseRequest(buffer, new Http1RequestHead(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        return error.Kind;
    }

    /// <summary>Everything observable about a parse result, as one comparable string.</summary>
    private static string Describe(byte[] bytes, ReadOnlySequence<byte> buffer, Http1RequestHead? reused = null)
    {
        var head = reused ?? new Http1RequestHead();
        var status = Http1Parser.TryParseRequest(buffer, head, Http1Limits.Default, out var consumed, out var error);
        var fields = string.Join("|", Enumerable.Range(0, head.HeaderCount).Select(i => $"{Text(head.GetName(i))}={Text(head.GetValue(i))}:{head.GetKnown(i)}"));
        return $"{status} {error.Kind} {buffer.Slice(buffer.Start, consumed).Length}/{bytes.Length} {head.Method} {Text(head.MethodBytes)} " +
            $"{Text(head.Target)} {Text(head.Path)} {Text(head.Query)} {Text(head.Host)} {Text(head.Authority)} {Text(head.HostHeaderValue)} " +
            $"{head.VersionMinor} {head.BodyKind} {head.ContentLength} {head.KeepAlive} {head.IsUpgrade} {Text(head.UpgradeProtocol)} {fields}";
    }
}
