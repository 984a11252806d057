using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using static FastProxy.Http.Tests.Http1.Http1TestInput;

namespace FastProxy.Http.Tests.Http1;

public sealed class Http1ParserRequestTests
{
    private const string Browser =
        "GET /orders/7?expand=items&x=1 HTTP/1.1\r\n" +
        "Host: api.example.com:8443\r\n" +
        "User-Agent: Mozilla/5.0\r\n" +
        "Accept: text/html,application/xhtml+xml\r\n" +
        "Authorization: Bearer abc.def.ghi\r\n" +
        "Cookie: a=1; b=2\r\n" +
        "X-Empty:\r\n" +
        "X-Spaces: \t padded value \t \r\n" +
        "\r\n";

    [Fact]
    public void TryParseRequest_BrowserRequest_FillsHead()
    {
        var head = AssertRequestOk(Browser);
        Assert.Equal(RequestMethod.Get, head.Method);
        Assert.Equal("GET", Text(head.MethodBytes));
        Assert.Equal("/orders/7?expand=items&x=1", Text(head.Target));
        Assert.Equal("/orders/7", Text(head.Path));
        Assert.Equal("expand=items&x=1", Text(head.Query));
        Assert.True(head.HasQuery);
        Assert.False(head.IsAbsoluteForm);
        Assert.Equal(1, head.VersionMinor);
        Assert.Equal("api.example.com", Text(head.Host));
        Assert.Equal("api.example.com:8443", Text(head.HostHeaderValue));
        Assert.Equal("api.example.com:8443", Text(head.Authority));
        Assert.Equal(7, head.HeaderCount);
        Assert.Equal("Authorization", Text(head.GetName(3)));
        Assert.Equal("Bearer abc.def.ghi", Text(head.GetValue(3)));
        Assert.Equal(KnownHeader.Authorization, head.GetKnown(3));
        Assert.Equal(KnownHeader.Unknown, head.GetKnown(1));
        Assert.Equal("", Text(head.GetValue(5)));
        Assert.Equal("padded value", Text(head.GetValue(6)));
        Assert.Equal(BodyKind.None, head.BodyKind);
        Assert.True(head.KeepAlive);
        Assert.False(head.ExpectContinue);
        Assert.False(head.IsUpgrade);
        Assert.Equal(Browser.Length, head.HeadLength);
    }

    [Fact]
    public void TryParseRequest_Complete_ConsumesExactlyTheHead()
    {
        var head = new Http1RequestHead();
        var bytes = Bytes(Browser + "BODY");
        var status = ParseRequest(new(bytes), head, Http1Limits.Default, out var consumed, out _);
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(Browser.Length, consumed);
    }

    [Fact]
    public void IRequestHeaders_TryGetFirstAndCount_AreCaseInsensitive()
    {
        AssertHeaders(AssertRequestOk("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a: 2\r\n\r\n"));
    }

    // The point is to go through the gate's interface, not the concrete head.
#pragma warning disable CA1859
    private static void AssertHeaders(IRequestHeaders headers)
#pragma warning restore CA1859
    {
        Assert.True(headers.TryGetFirst("X-A"u8, out var value));
        Assert.Equal("1", Text(value));
        Assert.Equal(2, headers.Count("X-a"u8));
        Assert.Equal(0, headers.Count("X-B"u8));
        Assert.False(headers.TryGetFirst("X-B"u8, out _));
    }

    [Fact]
    public void Reset_AfterParse_ClearsEverything()
    {
        var head = AssertRequestOk(Browser);
        head.Reset();
        Assert.Equal(0, head.HeaderCount);
        Assert.True(head.Path.IsEmpty);
        Assert.True(head.Host.IsEmpty);
        Assert.Equal(RequestMethod.Other, head.Method);
        Assert.False(head.TryGetFirst("host"u8, out _));
    }

    [Fact]
    public void TryParseRequest_ReusedHead_ReplacesPreviousValues()
    {
        var head = AssertRequestOk(Browser);
        var status = ParseRequest("POST /b HTTP/1.0\r\nContent-Length: 3\r\n\r\n", head, out _);
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(RequestMethod.Post, head.Method);
        Assert.Equal("/b", Text(head.Path));
        Assert.False(head.HasQuery);
        Assert.True(head.Host.IsEmpty);
        Assert.Equal(1, head.HeaderCount);
        Assert.Equal(BodyKind.ContentLength, head.BodyKind);
        Assert.Equal(3, head.ContentLength);
    }

    // ---- accepted forms ----

    [Fact]
    public void TryParseRequest_AbsoluteForm_HostComesFromTarget()
    {
        var head = AssertRequestOk("GET http://Upstream.example:8080/a/b?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n");
        Assert.True(head.IsAbsoluteForm);
        Assert.Equal("upstream.example", Text(head.Host));
        Assert.Equal("upstream.example:8080", Text(head.Authority));
        Assert.Equal("other.example", Text(head.HostHeaderValue));
        Assert.Equal("/a/b", Text(head.Path));
        Assert.Equal("q=1", Text(head.Query));
    }

    [Theory]
    [InlineData("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n", "/", "")]
    [InlineData("GET https://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n", "/", "x=1")]
    [InlineData("GET HTTPS://h/p HTTP/1.1\r\nHost: h\r\n\r\n", "/p", "")]
    public void TryParseRequest_AbsoluteFormEmptyPath_PathIsSlash(string raw, string path, string query)
    {
        var head = AssertRequestOk(raw);
        Assert.Equal(path, Text(head.Path));
        Assert.Equal(query, Text(head.Query));
        Assert.Equal("h", Text(head.Host));
    }

    [Fact]
    public void TryParseRequest_AsteriskFormWithOptions_Accepted()
    {
        var head = AssertRequestOk("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
        Assert.True(head.IsAsteriskForm);
        Assert.Equal("*", Text(head.Path));
        Assert.Equal(RequestMethod.Options, head.Method);
    }

    [Fact]
    public void TryParseRequest_AuthorityFormWithConnect_Accepted()
    {
        var head = AssertRequestOk("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n");
        Assert.True(head.IsAuthorityForm);
        Assert.Equal("db.internal", Text(head.Host));
        Assert.Equal("db.internal:5432", Text(head.Authority));
        Assert.True(head.Path.IsEmpty);
        Assert.Equal(RequestMethod.Connect, head.Method);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: API.Example.COM:8443\r\n\r\n", "api.example.com", "api.example.com:8443")]
    [InlineData("GET HTTP://Up.EXAMPLE:81/A?B HTTP/1.1\r\nHost: Other\r\n\r\n", "up.example", "up.example:81")]
    [InlineData("CONNECT DB.Internal:5432 HTTP/1.1\r\nHost: DB.Internal:5432\r\n\r\n", "db.internal", "db.internal:5432")]
    [InlineData("GET / HTTP/1.1\r\nHost: [2001:DB8::A]\r\n\r\n", "[2001:db8::a]", "[2001:db8::a]")]
    public void TryParseRequest_MixedCaseHost_LowerCased(string raw, string host, string authority)
    {
        var head = AssertRequestOk(raw);
        Assert.Equal(host, Text(head.Host));
        Assert.Equal(authority, Text(head.Authority));
    }

    [Fact]
    public void TryParseRequest_AbsoluteForm_PathCaseKept()
        => Assert.Equal("/A", Text(AssertRequestOk("GET http://H/A HTTP/1.1\r\nHost: h\r\n\r\n").Path));

    [Fact]
    public void TryParseRequest_Ipv6Host_KeepsBrackets()
    {
        var head = AssertRequestOk("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
        Assert.Equal("[::1]", Text(head.Host));
        Assert.Equal("[::1]:8080", Text(head.HostHeaderValue));
    }

    [Fact]
    public void TryParseRequest_UnknownMethod_IsOtherWithBytes()
    {
        var head = AssertRequestOk("PROPFIND /dav HTTP/1.1\r\nHost: h\r\n\r\n");
        Assert.Equal(RequestMethod.Other, head.Method);
        Assert.Equal("PROPFIND", Text(head.MethodBytes));
    }

    [Fact]
    public void TryParseRequest_Http10WithoutHost_Accepted()
    {
        var head = AssertRequestOk("GET / HTTP/1.0\r\n\r\n");
        Assert.Equal(0, head.VersionMinor);
        Assert.True(head.Host.IsEmpty);
        Assert.False(head.KeepAlive);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false)]
    public void TryParseRequest_ConnectionField_DecidesKeepAlive(string raw, bool keepAlive)
        => Assert.Equal(keepAlive, AssertRequestOk(raw).KeepAlive);

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", true)]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n", true)]
    [InlineData("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", false)]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nExpect: something\r\nContent-Length: 5\r\n\r\n", false)]
    public void TryParseRequest_Expect_SetsExpectContinue(string raw, bool expected)
        => Assert.Equal(expected, AssertRequestOk(raw).ExpectContinue);

    [Fact]
    public void TryParseRequest_WebSocketUpgrade_IsUpgrade()
    {
        var head = AssertRequestOk(
            "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\n\r\n");
        Assert.True(head.IsUpgrade);
        Assert.Equal("websocket", Text(head.UpgradeProtocol));
        Assert.True(head.IsNamedInConnection("upgrade"u8));
        Assert.True(head.IsNamedInConnection("Keep-Alive"u8));
        Assert.False(head.IsNamedInConnection("Sec-WebSocket-Key"u8));
    }

    [Theory]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: \r\n\r\n")]
    public void TryParseRequest_IncompleteUpgrade_IsNotUpgrade(string raw)
    {
        var head = AssertRequestOk(raw);
        Assert.False(head.IsUpgrade);
        Assert.True(head.UpgradeProtocol.IsEmpty);
    }

    [Fact]
    public void Has_KnownHeaders_ReflectsFieldsSeen()
    {
        var head = AssertRequestOk(Browser);
        Assert.True(head.Has(KnownHeader.Host));
        Assert.True(head.Has(KnownHeader.Authorization));
        Assert.True(head.Has(KnownHeader.Cookie));
        Assert.False(head.Has(KnownHeader.XForwardedFor));
        Assert.False(head.Has(KnownHeader.Unknown));
        head.Reset();
        Assert.False(head.Has(KnownHeader.Host));
    }

    [Fact]
    public void GateView_UnderscoreSpelling_ReadAsTheHyphenatedField()
    {
        var head = AssertRequestOk("GET / HTTP/1.1\r\nHost: h\r\nX_Tenant: admin\r\nx-tenant: a\r\n\r\n");

        Assert.True(head.TryGetFirst("x-tenant"u8, out var first));
        Assert.Equal("admin", Encoding.ASCII.GetString(first));
        Assert.Equal(2, head.Count("x-tenant"u8));
        Assert.Equal(0, head.Count("x_tenant_id"u8));
    }

    [Fact]
    public void IsNamedInConnection_ListedFieldNames_True()
    {
        var head = AssertRequestOk("GET / HTTP/1.1\r\nHost: h\r\nConnection: X-Secret , foo\r\nConnection: bar\r\nX-Secret: 1\r\n\r\n");
        Assert.True(head.IsNamedInConnection("x-secret"u8));
        Assert.True(head.IsNamedInConnection("FOO"u8));
        Assert.True(head.IsNamedInConnection("bar"u8));
        Assert.False(head.IsNamedInConnection("host"u8));
        Assert.False(head.IsNamedInConnection(""u8));
    }

    [Theory]
    [InlineData("Content-Length: 10", 10L, false)]
    [InlineData("Content-Length: 0", 0L, false)]
    [InlineData("Content-Length: 007", 7L, false)]
    [InlineData("Content-Length: 9007199254740991", 9007199254740991L, false)]
    [InlineData("Content-Length: 5, 5", 5L, true)]
    [InlineData("Content-Length: 5\r\nContent-Length: 5", 5L, true)]
    [InlineData("content-length:5 ,5,  5", 5L, true)]
    public void TryParseRequest_ValidContentLength_Accepted(string field, long length, bool list)
    {
        var head = AssertRequestOk($"POST / HTTP/1.1\r\nHost: h\r\n{field}\r\n\r\n");
        Assert.Equal(BodyKind.ContentLength, head.BodyKind);
        Assert.Equal(length, head.ContentLength);
        Assert.Equal(list, head.HasContentLengthList);
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: CHUNKED")]
    [InlineData("transfer-encoding:   Chunked  ")]
    public void TryParseRequest_ChunkedTransferEncoding_Accepted(string field)
    {
        var head = AssertRequestOk($"POST / HTTP/1.1\r\nHost: h\r\n{field}\r\n\r\n");
        Assert.Equal(BodyKind.Chunked, head.BodyKind);
        Assert.Equal(0, head.ContentLength);
    }

    [Fact]
    public void TryParseRequest_OneLeadingEmptyLine_Ignored()
    {
        var raw = "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
        var head = new Http1RequestHead();
        var status = ParseRequest(new(Bytes(raw)), head, Http1Limits.Default, out var consumed, out _);
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(raw.Length, consumed);
        Assert.Equal(raw.Length - 2, head.HeadLength);
        Assert.Equal("GET", Text(head.MethodBytes));
    }

    [Fact]
    public void TryParseRequest_ObsTextInValue_Accepted()
    {
        var head = AssertRequestOk("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u00e9\r\n\r\n");
        Assert.Equal("caf\u00e9", Text(head.GetValue(1)));
    }

    [Theory]
    [InlineData("/a/.well-known/x")]
    [InlineData("/a/..b/c")]
    [InlineData("/a/b..")]
    [InlineData("/a/.b.")]
    [InlineData("/")]
    [InlineData("/a%20b")]
    [InlineData("/caf%C3%A9")]
    [InlineData("/q%3Fnot-a-query")]
    [InlineData("/100%25")]
    [InlineData("/100%25off")]
    public void TryParseRequest_SafePath_Accepted(string path)
        => Assert.Equal(path, Text(AssertRequestOk($"GET {path} HTTP/1.1\r\nHost: h\r\n\r\n").Path));

    [Fact]
    public void TryParseRequest_DotSegmentInQuery_Accepted()
        => Assert.Equal("next=/../x", Text(AssertRequestOk("GET /a?next=/../x HTTP/1.1\r\nHost: h\r\n\r\n").Query));

    [Theory]
    [InlineData("a.example.com")]
    [InlineData("a-b_c~d.example:1")]
    [InlineData("10.0.0.1:65535")]
    [InlineData("[2001:db8::1]")]
    [InlineData("[::ffff:10.0.0.1]:443")]
    public void TryParseRequest_ValidHost_Accepted(string host)
        => Assert.Equal(host, Text(AssertRequestOk($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").HostHeaderValue));
}
