using FastProxy.Http.Http1;
using static FastProxy.Http.Tests.Http1.Http1TestInput;

namespace FastProxy.Http.Tests.Http1;

/// <summary>Every rejection of the request parser, with the status the proxy answers.</summary>
public sealed class Http1ParserRequestRejectionTests
{
    private const string H = "Host: h\r\n";

    [Theory]
    [InlineData("GET  / HTTP/1.1\r\n")]
    [InlineData("GET /  HTTP/1.1\r\n")]
    [InlineData(" GET / HTTP/1.1\r\n")]
    [InlineData("GET / HTTP/1.1 \r\n")]
    [InlineData("GET /\r\n")]
    [InlineData("GET\r\n")]
    [InlineData("GET / http/1.1\r\n")]
    [InlineData("GET / HTTP/1.1x\r\n")]
    [InlineData("GET / HTTP/11\r\n")]
    [InlineData("GET / HTTP/1\r\n")]
    public void TryParseRequest_MalformedRequestLine_400(string line)
        => AssertRequestError(line + H + "\r\n", Http1ErrorKind.InvalidRequestLine, 400);

    [Theory]
    [InlineData("G(T / HTTP/1.1\r\n")]
    [InlineData("GE\u00c9 / HTTP/1.1\r\n")]
    [InlineData("G\0T / HTTP/1.1\r\n")]
    [InlineData("GET\t/ HTTP/1.1\r\n")]
    public void TryParseRequest_MethodNotToken_400(string line)
        => AssertRequestError(line + H + "\r\n", Http1ErrorKind.InvalidMethod, 400);

    [Theory]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/1.2")]
    [InlineData("HTTP/0.9")]
    [InlineData("HTTP/3.0")]
    public void TryParseRequest_UnsupportedVersion_505(string version)
        => AssertRequestError($"GET / {version}\r\n{H}\r\n", Http1ErrorKind.UnsupportedVersion, 505);

    [Theory]
    [InlineData("GET /a#frag HTTP/1.1")]
    [InlineData("GET /a\u007f HTTP/1.1")]
    [InlineData("GET /caf\u00e9 HTTP/1.1")]
    [InlineData("GET /a\0b HTTP/1.1")]
    [InlineData("GET /a\tb HTTP/1.1")]
    [InlineData("GET * HTTP/1.1")]
    [InlineData("OPTIONS *x HTTP/1.1")]
    [InlineData("CONNECT / HTTP/1.1")]
    [InlineData("CONNECT h HTTP/1.1")]
    [InlineData("CONNECT h: HTTP/1.1")]
    [InlineData("CONNECT http://h:80/ HTTP/1.1")]
    [InlineData("GET h:80 HTTP/1.1")]
    [InlineData("GET ftp://h/ HTTP/1.1")]
    [InlineData("GET http:/h/ HTTP/1.1")]
    [InlineData("GET http:// HTTP/1.1")]
    [InlineData("GET http:///a HTTP/1.1")]
    [InlineData("GET http://user@h/ HTTP/1.1")]
    [InlineData("GET http://h:99999/ HTTP/1.1")]
    [InlineData("GET http://h:8a/ HTTP/1.1")]
    [InlineData("GET ?x HTTP/1.1")]
    public void TryParseRequest_InvalidTarget_400(string line)
        => AssertRequestError($"{line}\r\n{H}\r\n", Http1ErrorKind.InvalidTarget, 400);

    [Theory]
    [InlineData("/a/./b", Http1ErrorKind.PathDotSegment)]
    [InlineData("/a/../b", Http1ErrorKind.PathDotSegment)]
    [InlineData("/a/.", Http1ErrorKind.PathDotSegment)]
    [InlineData("/a/..", Http1ErrorKind.PathDotSegment)]
    [InlineData("/.", Http1ErrorKind.PathDotSegment)]
    [InlineData("/..", Http1ErrorKind.PathDotSegment)]
    [InlineData("/./", Http1ErrorKind.PathDotSegment)]
    [InlineData("/public/..;/admin", Http1ErrorKind.PathParameter)]
    [InlineData("/public/.;x/admin", Http1ErrorKind.PathParameter)]
    [InlineData("/admin;x/secret", Http1ErrorKind.PathParameter)]
    [InlineData("/admin;", Http1ErrorKind.PathParameter)]
    [InlineData("/a\\b", Http1ErrorKind.PathBackslash)]
    [InlineData("/a%2e%2e/b", Http1ErrorKind.PathEncodedUnreserved)]
    [InlineData("/a/%2E", Http1ErrorKind.PathEncodedUnreserved)]
    [InlineData("/a%2fb", Http1ErrorKind.PathEncodedSeparator)]
    [InlineData("/a%2Fb", Http1ErrorKind.PathEncodedSeparator)]
    [InlineData("/a%5cb", Http1ErrorKind.PathEncodedSeparator)]
    [InlineData("/a%5Cb", Http1ErrorKind.PathEncodedSeparator)]
    [InlineData("/a%00b", Http1ErrorKind.PathEncodedSeparator)]
    [InlineData("/a%", Http1ErrorKind.PathBadEscape)]
    [InlineData("/a%4", Http1ErrorKind.PathBadEscape)]
    [InlineData("/a%zz", Http1ErrorKind.PathBadEscape)]
    [InlineData("/a%4g", Http1ErrorKind.PathBadEscape)]
    [InlineData("//admin", Http1ErrorKind.PathEmptySegment)]
    [InlineData("/public//admin", Http1ErrorKind.PathEmptySegment)]
    [InlineData("/%61dmin", Http1ErrorKind.PathEncodedUnreserved)]
    [InlineData("/%41DMIN", Http1ErrorKind.PathEncodedUnreserved)]
    [InlineData("/v%31/x", Http1ErrorKind.PathEncodedUnreserved)]
    [InlineData("/a%2Db", Http1ErrorKind.PathEncodedUnreserved)]
    [InlineData("/a%5fb", Http1ErrorKind.PathEncodedUnreserved)]
    [InlineData("/a%7Eb", Http1ErrorKind.PathEncodedUnreserved)]
    [InlineData("/a%252e%252e/b", Http1ErrorKind.PathDoubleEncoded)]
    [InlineData("/a%252F", Http1ErrorKind.PathDoubleEncoded)]
    public void TryParseRequest_UnsafePath_400WithWhatIsWrong(string path, Http1ErrorKind kind)
        => AssertRequestError($"GET {path} HTTP/1.1\r\n{H}\r\n", kind, 400);

    [Fact]
    public void TryParseRequest_UnsafePathInAbsoluteForm_400()
        => AssertRequestError($"GET http://h/a/../admin HTTP/1.1\r\n{H}\r\n", Http1ErrorKind.PathDotSegment, 400);

    [Fact]
    public void TryParseRequest_RequestLineOverLimit_414()
    {
        var limits = new Http1Limits(64, 1024, 10, 64, 64);
        var raw = $"GET /{new string('a', 100)} HTTP/1.1\r\n{H}\r\n";
        var status = ParseRequest(new(Bytes(raw)), new Http1RequestHead(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1ErrorKind.RequestLineTooLong, error.Kind);
        Assert.Equal(414, error.Status);
    }

    [Fact]
    public void TryParseRequest_IncompleteRequestLineOverLimit_414BeforeLineEnds()
    {
        var limits = new Http1Limits(64, 1024, 10, 64, 64);
        var raw = $"GET /{new string('a', 70)}";
        var status = ParseRequest(new(Bytes(raw)), new Http1RequestHead(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(414, error.Status);
    }

    [Fact]
    public void TryParseRequest_RequestLineExactlyAtLimit_Accepted()
    {
        var line = "GET /" + new string('a', 64 - 14) + " HTTP/1.1";
        Assert.Equal(64, line.Length);
        var limits = new Http1Limits(64, 1024, 10, 64, 64);
        var status = ParseRequest(new(Bytes(line + "\r\n" + H + "\r\n")), new Http1RequestHead(), limits, out _, out _);
        Assert.Equal(Http1ParseStatus.Complete, status);
    }

    [Fact]
    public void TryParseRequest_HeadOverLimit_431()
    {
        var limits = new Http1Limits(64, 128, 10, 64, 64);
        var raw = $"GET / HTTP/1.1\r\n{H}X-Big: {new string('b', 120)}\r\n\r\n";
        var status = ParseRequest(new(Bytes(raw)), new Http1RequestHead(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1ErrorKind.HeadersTooLarge, error.Kind);
        Assert.Equal(431, error.Status);
    }

    [Fact]
    public void TryParseRequest_IncompleteHeadOverLimit_431WithoutBlankLine()
    {
        var limits = new Http1Limits(64, 128, 10, 64, 64);
        var raw = $"GET / HTTP/1.1\r\n{H}X-Big: {new string('b', 200)}";
        var status = ParseRequest(new(Bytes(raw)), new Http1RequestHead(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(431, error.Status);
    }

    [Fact]
    public void TryParseRequest_HeadExactlyAtLimit_Accepted()
    {
        var raw = $"GET / HTTP/1.1\r\n{H}\r\n";
        var limits = new Http1Limits(16, raw.Length, 10, 64, 64);
        var status = ParseRequest(new(Bytes(raw + "trailing body bytes")), new Http1RequestHead(), limits, out _, out _);
        Assert.Equal(Http1ParseStatus.Complete, status);
        limits = new Http1Limits(16, raw.Length - 1, 10, 64, 64);
        status = ParseRequest(new(Bytes(raw)), new Http1RequestHead(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1ErrorKind.HeadersTooLarge, error.Kind);
    }

    [Fact]
    public void TryParseRequest_TooManyHeaders_431()
    {
        var limits = new Http1Limits(64, 4096, 3, 64, 64);
        var ok = $"GET / HTTP/1.1\r\n{H}A: 1\r\nB: 2\r\n\r\n";
        Assert.Equal(Http1ParseStatus.Complete, ParseRequest(new(Bytes(ok)), new Http1RequestHead(), limits, out _, out _));
        var raw = $"GET / HTTP/1.1\r\n{H}A: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        var status = ParseRequest(new(Bytes(raw)), new Http1RequestHead(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1ErrorKind.TooManyHeaders, error.Kind);
        Assert.Equal(431, error.Status);
    }

    [Fact]
    public void TryParseRequest_TooManyHeadersStillIncomplete_431()
    {
        var limits = new Http1Limits(64, 4096, 3, 64, 64);
        var raw = $"GET / HTTP/1.1\r\n{H}A: 1\r\nB: 2\r\nC: 3\r\nD";
        var status = ParseRequest(new(Bytes(raw)), new Http1RequestHead(), limits, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1ErrorKind.TooManyHeaders, error.Kind);
    }

    [Fact]
    public void TryParseRequest_ManyHeadersWithinDefaultLimit_GrowsEntryTable()
    {
        var fields = string.Concat(Enumerable.Range(0, 99).Select(i => $"X-{i}: {i}\r\n"));
        var head = AssertRequestOk($"GET / HTTP/1.1\r\n{H}{fields}\r\n");
        Assert.Equal(100, head.HeaderCount);
        Assert.Equal("X-98", Text(head.GetName(99)));
        Assert.Equal("98", Text(head.GetValue(99)));
    }

    [Theory]
    [InlineData("X: 1\r\n\tfolded\r\n")]
    [InlineData("X: 1\r\n folded\r\n")]
    [InlineData(" X: 1\r\n")]
    public void TryParseRequest_ObsFold_400(string fields)
        => AssertRequestError($"GET / HTTP/1.1\r\n{H}{fields}\r\n", Http1ErrorKind.ObsFold, 400);

    [Theory]
    [InlineData("X : 1")]
    [InlineData("X\t: 1")]
    [InlineData("Host : h")]
    public void TryParseRequest_WhitespaceBeforeColon_400(string field)
        => AssertRequestError($"GET / HTTP/1.1\r\n{H}{field}\r\n\r\n", Http1ErrorKind.WhitespaceBeforeColon, 400);

    [Theory]
    [InlineData(": empty-name")]
    [InlineData("X(Y: 1")]
    [InlineData("X\u00e9: 1")]
    [InlineData("X\0: 1")]
    [InlineData("X Y: 1")]
    public void TryParseRequest_InvalidFieldName_400(string field)
        => AssertRequestError($"GET / HTTP/1.1\r\n{H}{field}\r\n\r\n", Http1ErrorKind.InvalidHeaderName, 400);

    [Fact]
    public void TryParseRequest_FieldWithoutColon_400()
        => AssertRequestError($"GET / HTTP/1.1\r\n{H}NoColonHere\r\n\r\n", Http1ErrorKind.MissingColon, 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX\r: ab\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX\rY\r\n\r\n")]
    [InlineData("GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX: ab\r\r\n\r\n")]
    public void TryParseRequest_BareCR_400(string raw)
        => AssertRequestError(raw, Http1ErrorKind.BareCR, 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\nHost: h\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\n\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nX: a\nb\r\n\r\n")]
    [InlineData("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")]
    public void TryParseRequest_BareLF_400(string raw)
        => AssertRequestError(raw, Http1ErrorKind.BareLF, 400);

    [Fact]
    public void TryParseRequest_BareLFWhileIncomplete_ErrorEarly()
    {
        var status = ParseRequest(new(Bytes("GET / HTTP/1.1\nHost")), new Http1RequestHead(), Http1Limits.Default, out _, out var error);
        Assert.Equal(Http1ParseStatus.Error, status);
        Assert.Equal(Http1ErrorKind.BareLF, error.Kind);
    }

    [Theory]
    [InlineData("X: a\0b")]
    [InlineData("X: a\u0001b")]
    [InlineData("X: a\u007fb")]
    [InlineData("X: a\u001bb")]
    [InlineData("X: \u000b")]
    public void TryParseRequest_ControlCharacterInValue_400(string field)
        => AssertRequestError($"GET / HTTP/1.1\r\n{H}{field}\r\n\r\n", Http1ErrorKind.InvalidCharacter, 400);

    [Fact]
    public void TryParseRequest_TwoLeadingEmptyLines_400()
        => AssertRequestError($"\r\n\r\nGET / HTTP/1.1\r\n{H}\r\n", Http1ErrorKind.LeadingEmptyLines, 400);

    [Fact]
    public void TryParseRequest_Http11WithoutHost_400()
        => AssertRequestError("GET / HTTP/1.1\r\nX: 1\r\n\r\n", Http1ErrorKind.MissingHost, 400);

    [Fact]
    public void TryParseRequest_AbsoluteFormWithoutHostField_400()
        => AssertRequestError("GET http://h/ HTTP/1.1\r\n\r\n", Http1ErrorKind.MissingHost, 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nHOST: b\r\n\r\n")]
    public void TryParseRequest_MultipleHost_400(string raw)
        => AssertRequestError(raw, Http1ErrorKind.MultipleHost, 400);

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("user@h")]
    [InlineData("h:")]
    [InlineData("h:x")]
    [InlineData("h:-1")]
    [InlineData("h:65536")]
    [InlineData("h:123456")]
    [InlineData("h:80:80")]
    [InlineData(":80")]
    [InlineData("[::1")]
    [InlineData("[]")]
    [InlineData("[zz::1]")]
    [InlineData("[::1]x")]
    [InlineData("[127.0.0.1]")]
    [InlineData("h%41")]
    [InlineData("a,b")]
    public void TryParseRequest_InvalidHost_400(string host)
        => AssertRequestError($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n", Http1ErrorKind.InvalidHost, 400);

    [Theory]
    [InlineData("Content-Length: -1")]
    [InlineData("Content-Length: +1")]
    [InlineData("Content-Length: 1.0")]
    [InlineData("Content-Length: 0x10")]
    [InlineData("Content-Length: 1 2")]
    [InlineData("Content-Length:")]
    [InlineData("Content-Length: ,")]
    [InlineData("Content-Length: 5,")]
    [InlineData("Content-Length: 5,,5")]
    [InlineData("Content-Length: 9007199254740992")]
    [InlineData("Content-Length: 99999999999999999999")]
    [InlineData("Content-Length: 00000000000000000")]
    [InlineData("Content-Length: \u0665")]
    public void TryParseRequest_InvalidContentLength_400(string field)
        => AssertRequestError($"POST / HTTP/1.1\r\n{H}{field}\r\n\r\n", Http1ErrorKind.InvalidContentLength, 400);

    [Theory]
    [InlineData("Content-Length: 5, 6")]
    [InlineData("Content-Length: 5\r\nContent-Length: 6")]
    [InlineData("Content-Length: 5\r\nContent-Length: 5, 50")]
    public void TryParseRequest_ConflictingContentLength_400(string field)
        => AssertRequestError($"POST / HTTP/1.1\r\n{H}{field}\r\n\r\n", Http1ErrorKind.ConflictingContentLength, 400);

    [Theory]
    [InlineData("Content-Length: 5\r\nTransfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 5")]
    [InlineData("Transfer-Encoding: gzip\r\nContent-Length: 0")]
    public void TryParseRequest_ContentLengthWithTransferEncoding_400(string fields)
        => AssertRequestError($"POST / HTTP/1.1\r\n{H}{fields}\r\n\r\n", Http1ErrorKind.ContentLengthWithTransferEncoding, 400);

    [Theory]
    [InlineData("Transfer-Encoding: gzip")]
    [InlineData("Transfer-Encoding: gzip, chunked")]
    [InlineData("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: , chunked")]
    [InlineData("Transfer-Encoding: identity")]
    [InlineData("Transfer-Encoding: chunked;q=1")]
    [InlineData("Transfer-Encoding: xchunked")]
    [InlineData("Transfer-Encoding:")]
    public void TryParseRequest_UnsupportedTransferEncoding_501(string fields)
        => AssertRequestError($"POST / HTTP/1.1\r\n{H}{fields}\r\n\r\n", Http1ErrorKind.UnsupportedTransferEncoding, 501);

    [Theory]
    [InlineData("Transfer-Encoding: chunked, gzip")]
    [InlineData("Transfer-Encoding: chunked, chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip")]
    [InlineData("Transfer-Encoding: chunked,")]
    [InlineData("Transfer-Encoding: gzip, chunked, identity")]
    public void TryParseRequest_ChunkedNotFinal_400(string fields)
        => AssertRequestError($"POST / HTTP/1.1\r\n{H}{fields}\r\n\r\n", Http1ErrorKind.ChunkedNotFinal, 400);

    [Fact]
    public void TryParseRequest_TransferEncodingInHttp10_400()
        => AssertRequestError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", Http1ErrorKind.TransferEncodingInHttp10, 400);

    [Fact]
    public void TryParseRequest_AfterError_HeadCanBeResetAndReused()
    {
        var head = new Http1RequestHead();
        Assert.Equal(Http1ParseStatus.Error, ParseRequest("GET / HTTP/1.1\r\nX : 1\r\n\r\n", head, out _));
        head.Reset();
        Assert.Equal(Http1ParseStatus.Complete, ParseRequest("GET / HTTP/1.1\r\nHost: h\r\n\r\n", head, out _));
        Assert.Equal("h", Text(head.Host));
    }

    // The reported smuggling: "Connection: content-length" made the forwarder drop the body's framing, so the body
    // became a second request upstream. A Connection token can never name framing or Host (RFC 9110 §7.6.1 lets a
    // recipient drop named fields; these it must not).
    [Theory]
    [InlineData("Connection: content-length\r\nContent-Length: 5\r\n")]
    [InlineData("Connection: Content-Length\r\n")]
    [InlineData("Connection: keep-alive, transfer-encoding\r\nTransfer-Encoding: chunked\r\n")]
    [InlineData("Connection: close\r\nConnection: HOST\r\n")]
    [InlineData("Connection: ,,host,\r\n")]
    public void TryParseRequest_ConnectionNamesFramingOrHost_400(string fields)
        => AssertRequestError("POST / HTTP/1.1\r\n" + H + fields + "\r\n", Http1ErrorKind.ConnectionNamesFraming, 400);

    [Theory]
    [InlineData("Connection: a b\r\n")]
    [InlineData("Connection: close;x\r\n")]
    [InlineData("Connection: \"close\"\r\n")]
    public void TryParseRequest_ConnectionOptionNotAToken_400(string fields)
        => AssertRequestError("GET / HTTP/1.1\r\n" + H + fields + "\r\n", Http1ErrorKind.InvalidConnectionOption, 400);

    [Fact]
    public void TryParseRequest_MoreConnectionOptionsThanTheLimit_400()
    {
        var options = string.Join(", ", Enumerable.Range(0, ConnectionOptions.MaxOptions + 1).Select(i => $"x-opt-{i}"));
        AssertRequestError($"GET / HTTP/1.1\r\n{H}Connection: {options}\r\n\r\n", Http1ErrorKind.TooManyConnectionOptions, 400);
    }
}
