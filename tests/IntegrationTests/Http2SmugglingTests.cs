using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Request smuggling through the h2 -> h1 downgrade: python3-h2 with its own checks off sends what a conforming client
/// never would, and a raw upstream records every byte that reached it. Each malformed stream is refused (RST_STREAM
/// PROTOCOL_ERROR or 400) and nothing of it reaches the upstream; a well-formed stream on the same connection is still
/// served (a stream error, not a connection error).
/// </summary>
public sealed class Http2SmugglingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ProtocolError = 1;

    private RecordingUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;

    private int Port => _proxy.BaseAddress.Port;

    public async Task InitializeAsync()
    {
        _upstream = RecordingUpstream.Start();
        _proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(_upstream.Endpoint)
            .Replace("""{ "address": "127.0.0.1:0" }""", """{ "address": "127.0.0.1:0", "protocol": "h2c" }""", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public static TheoryData<string, string, string> MalformedFields => new()
    {
        // case name, field name, field value
        { "CRLF in a value", "x-note", "a\r\nX-Smuggled: yes" },
        { "LF in a value", "x-note", "a\nX-Smuggled: yes" },
        { "NUL in a value", "x-note", "a\0X-Smuggled: yes" },
        { "uppercase name", "X-Smuggled", "yes" },
        { "connection field", "connection", "X-Smuggled" },
        { "keep-alive field", "keep-alive", "X-Smuggled" },
        { "upgrade field", "upgrade", "X-Smuggled" },
        { "te other than trailers", "te", "X-Smuggled" },
        { "name with a colon", "x-smuggled:", "yes" },
        { "name with a space", "x-smuggled yes", "yes" },
    };

    [Theory]
    [MemberData(nameof(MalformedFields))]
    public async Task MalformedField_StreamRefused_NothingReachesUpstream_NextStreamServed(string name, string field, string value)
    {
        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("GET", "/smuggle-attempt", "app", body: null, (field, value)),
            PythonH2.Stream("GET", "/fine", "app"));

        AssertRefused(result.Stream(1), name, result.Raw);
        AssertOnlyTheFineRequestReachedTheUpstream(result);
        Assert.DoesNotContain("X-Smuggled", _upstream.Received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TransferEncodingChunked_WithSmuggledRequestInBody_Refused()
    {
        const string smuggled = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app\r\n\r\n";

        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("POST", "/smuggle-attempt", "app", smuggled, ("transfer-encoding", "chunked")),
            PythonH2.Stream("GET", "/fine", "app"));

        AssertRefused(result.Stream(1), "transfer-encoding", result.Raw);
        AssertOnlyTheFineRequestReachedTheUpstream(result);
        Assert.DoesNotContain("/smuggled", _upstream.Received, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a/../admin")]
    [InlineData("/a/%2e%2e/admin")]
    [InlineData("/a//b")]
    [InlineData("/a HTTP/1.1\r\nX-Smuggled: yes\r\n\r\nGET /b")]
    [InlineData("*")]
    public async Task BadPath_Refused_NothingReachesUpstream(string path)
    {
        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("GET", path, "app"),
            PythonH2.Stream("GET", "/fine", "app"));

        AssertRefused(result.Stream(1), path, result.Raw);
        AssertOnlyTheFineRequestReachedTheUpstream(result);
    }

    [Fact]
    public async Task NoAuthorityNoHost_Refused()
    {
        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("GET", "/smuggle-attempt", authority: null),
            PythonH2.Stream("GET", "/fine", "app"));

        AssertRefused(result.Stream(1), "no :authority", result.Raw);
        AssertOnlyTheFineRequestReachedTheUpstream(result);
    }

    [Fact]
    public async Task HostDisagreeingWithAuthority_Refused()
    {
        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("GET", "/smuggle-attempt", "app", body: null, ("host", "admin.internal")),
            PythonH2.Stream("GET", "/fine", "app"));

        AssertRefused(result.Stream(1), "host != :authority", result.Raw);
        AssertOnlyTheFineRequestReachedTheUpstream(result);
        Assert.DoesNotContain("admin.internal", _upstream.Received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthorityWithCrLf_Refused()
    {
        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("GET", "/smuggle-attempt", "app\r\nX-Smuggled: yes"),
            PythonH2.Stream("GET", "/fine", "app"));

        AssertRefused(result.Stream(1), "CRLF in :authority", result.Raw);
        AssertOnlyTheFineRequestReachedTheUpstream(result);
        Assert.DoesNotContain("X-Smuggled", _upstream.Received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MethodWithSpace_Refused()
    {
        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("GET /smuggled HTTP/1.1\r\nHost: app\r\n\r\nGET", "/smuggle-attempt", "app"),
            PythonH2.Stream("GET", "/fine", "app"));

        AssertRefused(result.Stream(1), "method with space", result.Raw);
        AssertOnlyTheFineRequestReachedTheUpstream(result);
        Assert.DoesNotContain("/smuggled", _upstream.Received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataLongerThanContentLength_SecondRequestInBody_NeverReachesUpstream()
    {
        // The classic downgrade smuggle: content-length covers "hello", the rest of the DATA is a request of its own.
        const string body = "helloGET /smuggled HTTP/1.1\r\nHost: app\r\n\r\n";

        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("POST", "/smuggle-attempt", "app", body, ("content-length", "5")),
            PythonH2.Stream("GET", "/fine", "app"));

        var stream = result.Stream(1);
        Assert.True(stream.Reset == ProtocolError || stream.Status == 400, "content-length < DATA was not refused:\n" + result.Raw);
        Assert.True(result.Stream(3).Status == 200, result.Raw);
        Assert.DoesNotContain("/smuggled", _upstream.Received, StringComparison.Ordinal);
        Assert.True(_upstream.Heads <= 2, _upstream.Received);
        Assert.True(await _proxy.WaitForOutputAsync("body length differs from content-length"), _proxy.Output);
    }

    [Fact]
    public async Task DataShorterThanContentLength_StreamRefused()
    {
        var result = await PythonH2.SendAsync(Port,
            PythonH2.Stream("POST", "/smuggle-attempt", "app", "hello", ("content-length", "10")),
            PythonH2.Stream("GET", "/fine", "app"));

        var stream = result.Stream(1);
        Assert.True(stream.Reset == ProtocolError || stream.Status == 400, "content-length > DATA was not refused:\n" + result.Raw);
        Assert.True(result.Stream(3).Status == 200, result.Raw);

        // The head may already be upstream when the short body shows (the adapter streams); the upstream connection
        // is then aborted before the declared length arrived. Shown for the record.
        var received = _upstream.Received;
        output.WriteLine("upstream received:\n" + received);
        Assert.True(await _proxy.WaitForOutputAsync("body length differs from content-length"), _proxy.Output);
    }

    private static void AssertRefused(H2StreamResult stream, string name, string raw)
    {
        Assert.True(stream.Reset == ProtocolError || stream.Status == 400, $"{name}: not refused with RST_STREAM PROTOCOL_ERROR or 400:\n{raw}");
    }

    /// <summary>The upstream saw exactly one request head, the well-formed <c>/fine</c>, and the client got its 200.</summary>
    private void AssertOnlyTheFineRequestReachedTheUpstream(H2Result result)
    {
        Assert.True(result.Stream(3).Status == 200, "the well-formed stream after the refused one was not served:\n" + result.Raw);
        Assert.Equal(1, _upstream.Heads);
        Assert.StartsWith("GET /fine HTTP/1.1\r\n", _upstream.Received, StringComparison.Ordinal);
        Assert.DoesNotContain("smuggle", _upstream.Received, StringComparison.OrdinalIgnoreCase);
    }
}
