using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;

namespace FastProxy.Http.Tests.Proxy;

/// <summary>What goes upstream and back downstream: the head rewriting rules of RFC 9110 §7.6.1 and the proxy's own.</summary>
public sealed class Http1HeadWriterTests
{
    private static readonly byte[][] NoStripped = [];

    private static Http1RequestHead ParseRequest(string text)
    {
        var head = new Http1RequestHead();
        var status = Http1Parser.TryParseRequest(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), head, Http1Limits.Default, out _, out var error);
        Assert.True(status == Http1ParseStatus.Complete, error.Kind.ToString());
        return head;
    }

    private static async Task<string> WriteRequestAsync(string request, GateDecision? decision = null, byte[][]? stripped = null, IUpstreamIdentity? identity = null, Action<Http1RequestHead>? beforeWrite = null)
    {
        var head = ParseRequest(request);
        beforeWrite?.Invoke(head);
        var pipe = new Pipe();
        var ids = RequestIds.Create(head);
        try
        {
            var gate = decision ?? GateDecision.Allow(identity, forwardAuthorization: true);
            Http1HeadWriter.WriteRequestHead(pipe.Writer, head, gate, IPAddress.Parse("192.0.2.9"), "https"u8, stripped ?? NoStripped, ids);
            await pipe.Writer.FlushAsync();
            await pipe.Writer.CompleteAsync();
            var result = await pipe.Reader.ReadAsync();
            return Encoding.ASCII.GetString(result.Buffer.ToArray());
        }
        finally
        {
            ids.Dispose();
            head.Reset();
        }
    }

    private static string[] Lines(string head) => head.Split("\r\n");

    [Fact]
    public async Task WriteRequestHead_HopByHopAndConnectionNamed_Removed()
    {
        var upstream = await WriteRequestAsync(
            "GET /a?b=1 HTTP/1.1\r\nHost: api.test\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\nX-Secret: 1\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nAccept: */*\r\n\r\n");
        var lines = Lines(upstream);
        Assert.Equal("GET /a?b=1 HTTP/1.1", lines[0]);
        Assert.Equal("Host: api.test", lines[1]);
        Assert.Contains("Accept: */*", lines, StringComparer.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("Keep-Alive:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("X-Secret:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("TE:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase));
        Assert.EndsWith("\r\n\r\n", upstream, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRequestHead_ClientForwardedHeaders_ReplacedByTheProxysOwn()
    {
        var upstream = await WriteRequestAsync(
            "GET / HTTP/1.1\r\nHost: api.test:8443\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: evil\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n\r\n");
        Assert.DoesNotContain("6.6.6.6", upstream, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", upstream, StringComparison.Ordinal);
        var lines = Lines(upstream);
        Assert.Contains("X-Forwarded-For: 192.0.2.9", lines, StringComparer.Ordinal);
        Assert.Contains("X-Forwarded-Proto: https", lines, StringComparer.Ordinal);
        Assert.Contains("X-Forwarded-Host: api.test:8443", lines, StringComparer.Ordinal);
    }

    [Fact]
    public async Task WriteRequestHead_IdentityHeadersFromTheClient_Stripped_GatesOwnAdded()
    {
        var upstream = await WriteRequestAsync(
            "GET / HTTP/1.1\r\nHost: a\r\nX-User: admin\r\nX-FastProxy-Assertion: forged\r\n\r\n",
            stripped: ["x-user"u8.ToArray()],
            identity: new FixedIdentity(HeaderFields.Create("X-User", "alice")));
        var lines = Lines(upstream);
        Assert.Contains("X-User: alice", lines, StringComparer.Ordinal);
        Assert.DoesNotContain("X-User: admin", lines, StringComparer.Ordinal);
        Assert.DoesNotContain("forged", upstream, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRequestHead_ForwardAuthorizationOff_AuthorizationDropped()
    {
        var request = "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t0k3n\r\n\r\n";
        Assert.Contains("Authorization: Bearer t0k3n", await WriteRequestAsync(request), StringComparison.Ordinal);
        Assert.DoesNotContain("t0k3n", await WriteRequestAsync(request, GateDecision.Allow(null, forwardAuthorization: false)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRequestHead_TraceContext_RestatedOnce()
    {
        var upstream = await WriteRequestAsync(
            "GET / HTTP/1.1\r\nHost: a\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Request-Id: abc-1\r\n\r\n");
        var lines = Lines(upstream);
        var parent = Assert.Single(lines, l => l.StartsWith("traceparent:", StringComparison.OrdinalIgnoreCase));
        Assert.StartsWith("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-", parent, StringComparison.Ordinal);
        Assert.DoesNotContain("00f067aa0ba902b7", parent, StringComparison.Ordinal);
        Assert.Matches("^X-Request-Id: [0-9a-f]{32}$", Assert.Single(lines, l => l.StartsWith("X-Request-Id:", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task WriteRequestHead_ChunkedBody_FramingRestated()
    {
        var lines = Lines(await WriteRequestAsync("POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
        Assert.Equal("Transfer-Encoding: chunked", Assert.Single(lines, l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData("Content-Length: 5, 5\r\n")]
    [InlineData("Content-Length: 5\r\nContent-Length: 5\r\n")]
    [InlineData("Content-Length: 5,5, 5\r\n")]
    public async Task WriteRequestHead_ContentLengthList_ForwardedAsOneValue(string fields)
    {
        var lines = Lines(await WriteRequestAsync("POST /u HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"));

        Assert.Equal("Content-Length: 5", Assert.Single(lines, l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task WriteRequestHead_SingleContentLength_RestatedFromTheParsedLength()
    {
        var lines = Lines(await WriteRequestAsync("POST /u HTTP/1.1\r\nHost: a\r\ncontent-length: 7\r\n\r\n"));

        Assert.Equal("Content-Length: 7", Assert.Single(lines, l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task WriteRequestHead_ChunkedBody_OneRestatedTransferEncoding()
    {
        var lines = Lines(await WriteRequestAsync("POST /u HTTP/1.1\r\nHost: a\r\ntransfer-encoding: Chunked\r\n\r\n"));

        Assert.Equal("Transfer-Encoding: chunked", Assert.Single(lines, l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(lines, l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task WriteRequestHead_NoBody_NoFramingFields()
    {
        var lines = Lines(await WriteRequestAsync("GET /u HTTP/1.1\r\nHost: a\r\n\r\n"));

        Assert.DoesNotContain(lines, l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("X_User_Id")]
    [InlineData("x_user_id")]
    [InlineData("X-USER-ID")]
    [InlineData("X_User-Id")]
    public async Task WriteRequestHead_UnderscoreOrCaseSpellingOfIdentityHeader_Stripped(string spelling)
    {
        var lines = Lines(await WriteRequestAsync($"GET /u HTTP/1.1\r\nHost: a\r\n{spelling}: admin\r\n\r\n", stripped: ["x-user-id"u8.ToArray()]));

        Assert.DoesNotContain(lines, l => l.Contains("admin", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("X_Forwarded_For")]
    [InlineData("X_Real_IP")]
    [InlineData("X_Request_Id")]
    [InlineData("X_FastProxy_Anything")]
    [InlineData("Content_Length")]
    [InlineData("Transfer_Encoding")]
    [InlineData("Proxy_Authorization")]
    public async Task WriteRequestHead_UnderscoreSpellingOfProxyOwnedField_Dropped(string spelling)
    {
        var lines = Lines(await WriteRequestAsync($"GET /u HTTP/1.1\r\nHost: a\r\n{spelling}: forged\r\n\r\n"));

        Assert.DoesNotContain(lines, l => l.Contains("forged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteRequestHead_UnrelatedUnderscoreField_Kept()
    {
        var lines = Lines(await WriteRequestAsync("GET /u HTTP/1.1\r\nHost: a\r\nX_Custom_Thing: 1\r\n\r\n", stripped: ["x-user-id"u8.ToArray()]));

        Assert.Contains("X_Custom_Thing: 1", lines, StringComparer.Ordinal);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("websocket, h2c")]
    [InlineData("TLS/1.2")]
    public async Task WriteRequestHead_IgnoredUpgrade_NoUpgradeOrConnectionForwarded(string protocol)
    {
        var lines = Lines(await WriteRequestAsync(
            $"GET /u HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: {protocol}\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
            beforeWrite: head => head.IgnoreUpgrade()));

        Assert.DoesNotContain(lines, l => l.StartsWith("Upgrade", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("Connection", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("HTTP2-Settings", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("GET /a?x=1 HTTP/1.1", "GET /a?x=1 HTTP/1.1")]
    [InlineData("GET /a? HTTP/1.1", "GET /a? HTTP/1.1")]
    [InlineData("GET /a HTTP/1.1", "GET /a HTTP/1.1")]
    [InlineData("GET http://h/a? HTTP/1.1", "GET /a? HTTP/1.1")]
    public async Task WriteRequestHead_Query_ForwardedAsReceivedEvenWhenEmpty(string requestLine, string forwarded)
    {
        var lines = Lines(await WriteRequestAsync(requestLine + "\r\nHost: h\r\n\r\n"));

        Assert.Equal(forwarded, lines[0]);
    }

    [Fact]
    public async Task WriteRequestHead_Http10Client_SentAs10WithClose()
    {
        var lines = Lines(await WriteRequestAsync("GET / HTTP/1.0\r\nHost: a\r\n\r\n"));
        Assert.Equal("GET / HTTP/1.0", lines[0]);
        Assert.Contains("Connection: close", lines, StringComparer.Ordinal);
    }

    [Fact]
    public async Task WriteRequestHead_Http10ClientWithoutHost_SentWithoutHost()
    {
        // An empty Host would be refused by nginx and by our own parser at the next hop; HTTP/1.0 needs none.
        var lines = Lines(await WriteRequestAsync("GET /x HTTP/1.0\r\n\r\n"));
        Assert.Equal("GET /x HTTP/1.0", lines[0]);
        Assert.DoesNotContain(lines, l => l.StartsWith("Host:", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task WriteRequestHead_AbsoluteForm_HostFromTheTarget()
    {
        var lines = Lines(await WriteRequestAsync("GET http://api.test/x HTTP/1.1\r\nHost: other\r\n\r\n"));
        Assert.Equal("GET /x HTTP/1.1", lines[0]);
        Assert.Equal("Host: api.test", lines[1]);
    }

    [Fact]
    public async Task WriteRequestHead_WebSocketUpgrade_UpgradeRestated()
    {
        var lines = Lines(await WriteRequestAsync("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        Assert.Contains("Connection: upgrade", lines, StringComparer.Ordinal);
        Assert.Contains("Upgrade: websocket", lines, StringComparer.Ordinal);
        Assert.Contains("Sec-WebSocket-Key: x", lines, StringComparer.Ordinal);
    }

    [Fact]
    public async Task WriteResponseHead_ContentLengthList_ForwardedAsOneValue()
    {
        var lines = await WriteResponseAsync("HTTP/1.1 200 OK\r\nContent-Length: 12, 12\r\nContent-Type: text/plain\r\n\r\n");

        Assert.Equal("Content-Length: 12", Assert.Single(lines, l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task WriteResponseHead_HopByHopRemoved_CloseAnnounced()
    {
        var lines = await WriteResponseAsync(
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Internal\r\nX-Internal: 1\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n",
            closeAfter: true);

        Assert.Equal("HTTP/1.1 200 OK", lines[0]);
        Assert.Contains("Content-Type: text/plain", lines, StringComparer.Ordinal);
        Assert.Contains("Transfer-Encoding: chunked", lines, StringComparer.Ordinal);
        Assert.Contains("Connection: close", lines, StringComparer.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith("X-Internal", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("Keep-Alive", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<string[]> WriteResponseAsync(string text, RequestMethod method = RequestMethod.Get, bool closeAfter = false)
    {
        var head = new Http1ResponseHead();
        Assert.Equal(Http1ParseStatus.Complete, Http1Parser.TryParseResponse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), head, method, Http1Limits.Default, out _, out _));
        var pipe = new Pipe();
        Http1HeadWriter.WriteResponseHead(pipe.Writer, head, clientIsHttp10: false, closeAfter, isUpgrade: false);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        var lines = Lines(Encoding.ASCII.GetString((await pipe.Reader.ReadAsync()).Buffer.ToArray()));
        head.Reset();
        return lines;
    }

    [Fact]
    public async Task WriteResponseHead_204WithContentLength_ContentLengthStripped()
    {
        // RFC 9110 §8.6: a server MUST NOT send Content-Length in a 204.
        var lines = await WriteResponseAsync("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nX-A: 1\r\n\r\n");

        Assert.DoesNotContain(lines, l => l.StartsWith("Content-Length", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("X-A: 1", lines, StringComparer.Ordinal);
    }

    [Fact]
    public async Task WriteResponseHead_HeadResponseContentLength_PassedOn()
    {
        var lines = await WriteResponseAsync("HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n", RequestMethod.Head);

        Assert.Equal("Content-Length: 1234", Assert.Single(lines, l => l.StartsWith("Content-Length", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task WriteResponseHead_304ContentLength_PassedOn()
    {
        var lines = await WriteResponseAsync("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n");

        Assert.Equal("Content-Length: 99", Assert.Single(lines, l => l.StartsWith("Content-Length", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task WriteResponseHead_SingleContentLength_RestatedOnce()
    {
        var lines = await WriteResponseAsync("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");

        Assert.Equal("Content-Length: 5", Assert.Single(lines, l => l.StartsWith("Content-Length", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, "Connection: close\r\n")]
    public async Task WriteDenial_GatesFieldsAsLines_ThenBody(bool close, string connection)
    {
        var decision = GateDecision.Deny(401, new HeaderFields.Builder().Add("WWW-Authenticate", "Bearer realm=\"fastproxy\"").Add("Retry-After", "5").Build(), "{}"u8.ToArray());
        var pipe = new Pipe();

        Http1HeadWriter.WriteDenial(pipe.Writer, decision, close);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();

        Assert.Equal(
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                + "WWW-Authenticate: Bearer realm=\"fastproxy\"\r\nRetry-After: 5\r\n" + connection + "\r\n{}",
            Encoding.ASCII.GetString(result.Buffer.ToArray()));
    }

    private sealed class FixedIdentity(HeaderFields headers) : IUpstreamIdentity
    {
        public HeaderFields Headers => headers;
    }
}
