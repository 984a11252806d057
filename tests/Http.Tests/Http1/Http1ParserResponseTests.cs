using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using static FastProxy.Http.Tests.Http1.Http1TestInput;

namespace FastProxy.Http.Tests.Http1;

public sealed class Http1ParserResponseTests
{
    [Fact]
    public void TryParseResponse_ContentLengthResponse_FillsHead()
    {
        var head = AssertResponseOk("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nSet-Cookie: s=1\r\n\r\n");
        Assert.Equal(200, head.StatusCode);
        Assert.Equal("OK", Text(head.Reason));
        Assert.Equal(1, head.VersionMinor);
        Assert.Equal(3, head.HeaderCount);
        Assert.Equal("Content-Type", Text(head.GetName(0)));
        Assert.Equal(KnownHeader.SetCookie, head.GetKnown(2));
        Assert.Equal(ResponseBodyKind.ContentLength, head.BodyKind);
        Assert.Equal(12, head.ContentLength);
        Assert.True(head.KeepAlive);
        Assert.True(head.TryGetFirst("content-length"u8, out var cl));
        Assert.Equal("12", Text(cl));
        Assert.Equal(1, head.Count("SET-COOKIE"u8));
        Assert.False(head.IsInterim);
        Assert.True(head.Has(KnownHeader.SetCookie));
        Assert.False(head.Has(KnownHeader.TransferEncoding));
    }

    [Fact]
    public void TryParseResponse_EmptyReason_Accepted()
    {
        var head = AssertResponseOk("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(404, head.StatusCode);
        Assert.True(head.Reason.IsEmpty);
    }

    [Fact]
    public void TryParseResponse_ReasonWithSpacesAndObsText_Accepted()
        => Assert.Equal("Not \u00c9 Found\tx", Text(AssertResponseOk("HTTP/1.1 404 Not \u00c9 Found\tx\r\nContent-Length: 0\r\n\r\n").Reason));

    [Fact]
    public void TryParseResponse_Chunked_Chunked()
        => Assert.Equal(ResponseBodyKind.Chunked, AssertResponseOk("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").BodyKind);

    [Fact]
    public void TryParseResponse_NoFraming_CloseDelimitedAndNotKeepAlive()
    {
        var head = AssertResponseOk("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
        Assert.Equal(ResponseBodyKind.CloseDelimited, head.BodyKind);
        Assert.False(head.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n")]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n")]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n")]
    [InlineData("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n")]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")]
    public void TryParseResponse_NoBodyStatus_BodyKindNone(string raw)
    {
        var head = AssertResponseOk(raw);
        Assert.Equal(ResponseBodyKind.None, head.BodyKind);
        Assert.Equal(0, head.ContentLength);
    }

    [Fact]
    public void TryParseResponse_Interim_IsInterimAndKeepsKeepAlive()
    {
        var head = AssertResponseOk("HTTP/1.1 100 Continue\r\n\r\n");
        Assert.True(head.IsInterim);
        Assert.True(head.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n")]
    public void TryParseResponse_ToHead_BodyKindNone(string raw)
    {
        var head = AssertResponseOk(raw, RequestMethod.Head);
        Assert.Equal(ResponseBodyKind.None, head.BodyKind);
        Assert.True(head.KeepAlive);
    }

    [Fact]
    public void TryParseResponse_2xxToConnect_BodyKindNone()
        => Assert.Equal(ResponseBodyKind.None, AssertResponseOk("HTTP/1.1 200 Connection Established\r\n\r\n", RequestMethod.Connect).BodyKind);

    [Fact]
    public void TryParseResponse_4xxToConnect_HasBody()
        => Assert.Equal(ResponseBodyKind.ContentLength, AssertResponseOk("HTTP/1.1 407 Auth\r\nContent-Length: 3\r\n\r\n", RequestMethod.Connect).BodyKind);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n", true)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", false)]
    public void TryParseResponse_Persistence_FollowsVersionAndConnection(string raw, bool keepAlive)
        => Assert.Equal(keepAlive, AssertResponseOk(raw).KeepAlive);

    [Fact]
    public void TryParseResponse_ConnectionListsField_IsNamedInConnection()
    {
        var head = AssertResponseOk("HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nX-Internal: 1\r\nContent-Length: 0\r\n\r\n");
        Assert.True(head.IsNamedInConnection("x-internal"u8));
        Assert.False(head.IsNamedInConnection("content-length"u8));
    }

    [Fact]
    public void TryParseResponse_ContentLengthList_Normalised()
    {
        var head = AssertResponseOk("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n");
        Assert.Equal(3, head.ContentLength);
        Assert.True(head.HasContentLengthList);
    }

    [Fact]
    public void Reset_ResponseHead_Clears()
    {
        var head = AssertResponseOk("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
        head.Reset();
        Assert.Equal(0, head.StatusCode);
        Assert.Equal(0, head.HeaderCount);
        Assert.True(head.Reason.IsEmpty);
    }

    // ---- rejections: the forwarder answers 502 ----

    [Theory]
    [InlineData("HTTP/1.1 200\r\n\r\n")]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n")]
    [InlineData("HTTP/1.1\t200 OK\r\n\r\n")]
    [InlineData("http/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    public void TryParseResponse_MalformedStatusLine_Error(string raw)
        => AssertResponseError(raw, Http1ErrorKind.InvalidStatusLine);

    [Theory]
    [InlineData("HTTP/1.1 099 X\r\n\r\n")]
    [InlineData("HTTP/1.1 600 X\r\n\r\n")]
    [InlineData("HTTP/1.1 2x0 X\r\n\r\n")]
    [InlineData("HTTP/1.1 -20 X\r\n\r\n")]
    public void TryParseResponse_InvalidStatusCode_Error(string raw)
        => AssertResponseError(raw, Http1ErrorKind.InvalidStatusCode);

    [Theory]
    [InlineData("HTTP/2.0 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.2 200 OK\r\n\r\n")]
    public void TryParseResponse_UnsupportedVersion_Error(string raw)
        => AssertResponseError(raw, Http1ErrorKind.UnsupportedVersion);

    [Fact]
    public void TryParseResponse_ControlInReason_Error()
        => AssertResponseError("HTTP/1.1 200 O\0K\r\n\r\n", Http1ErrorKind.InvalidCharacter);

    [Fact]
    public void TryParseResponse_LeadingEmptyLine_Error()
        => AssertResponseError("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Http1ErrorKind.InvalidStatusLine);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")]
    public void TryParseResponse_ContentLengthWithTransferEncoding_Error(string raw)
        => AssertResponseError(raw, Http1ErrorKind.ContentLengthWithTransferEncoding);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n")]
    public void TryParseResponse_NonChunkedTransferEncoding_Error(string raw)
        => AssertResponseError(raw, Http1ErrorKind.UnsupportedTransferEncoding);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public void TryParseResponse_ChunkedNotFinal_Error(string raw)
        => AssertResponseError(raw, Http1ErrorKind.ChunkedNotFinal);

    [Fact]
    public void TryParseResponse_TransferEncodingInHttp10_Error()
        => AssertResponseError("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Http1ErrorKind.TransferEncodingInHttp10);

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n", Http1ErrorKind.ConflictingContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", Http1ErrorKind.InvalidContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nX : 1\r\n\r\n", Http1ErrorKind.WhitespaceBeforeColon)]
    [InlineData("HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n", Http1ErrorKind.ObsFold)]
    [InlineData("HTTP/1.1 200 OK\nX: 1\r\n\r\n", Http1ErrorKind.BareLF)]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", Http1ErrorKind.BareCR)]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", Http1ErrorKind.InvalidCharacter)]
    [InlineData("HTTP/1.1 200 OK\r\nX(: a\r\n\r\n", Http1ErrorKind.InvalidHeaderName)]
    public void TryParseResponse_BadFields_Error(string raw, Http1ErrorKind kind)
        => AssertResponseError(raw, kind);

    [Fact]
    public void TryParseResponse_HeadOverLimit_Error502()
    {
        var limits = new Http1Limits(64, 128, 10, 64, 64);
        var raw = $"HTTP/1.1 200 OK\r\nX-Big: {new string('b', 200)}";
        var status = ParseResponse(new(Bytes(raw)), new Http1ResponseHead(), RequestMethod.Get, limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1ErrorKind.HeadersTooLarge, error.Kind);
        Assert.Equal(502, error.Status);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 3\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public void TryParseResponse_ConnectionNamesItsFraming_Refused(string raw)
        => AssertResponseError(raw, Http1ErrorKind.ConnectionNamesFraming);
}
