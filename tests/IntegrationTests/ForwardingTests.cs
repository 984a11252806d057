using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>The HTTP/1.1 data path end to end: a real proxy process between real clients and a real upstream.</summary>
public sealed class ForwardingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(_upstream.Endpoint));
        _client = new HttpClient { BaseAddress = _proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        // The proxy's log goes to the test output: shown when a test fails.
        output.WriteLine(_proxy.Output);
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Get_ThroughProxy_ReturnsUpstreamBody()
    {
        var body = await _client.GetStringAsync("/hello");
        Assert.Equal("hello from upstream", body);
    }

    [Fact]
    public async Task Post_LargeContentLengthBody_EchoedIntact()
    {
        var payload = RandomNumberGenerator.GetBytes(8 * 1024 * 1024);
        using var content = new ByteArrayContent(payload);
        using var response = await _client.PostAsync("/echo", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload.Length, response.Content.Headers.ContentLength);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task Post_LargeChunkedBody_EchoedChunkedIntact()
    {
        var payload = RandomNumberGenerator.GetBytes(6 * 1024 * 1024 + 17);
        using var content = new StreamContent(new MemoryStream(payload));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo?chunked=1") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task Get_ChunkedResponse_StreamedWhole()
    {
        var body = await _client.GetByteArrayAsync("/big");
        Assert.Equal(48 * 64 * 1024, body.Length);
        Assert.Equal((byte)'a', body[0]);
        Assert.Equal((byte)'v', body[^1]);
    }

    [Fact]
    public async Task Pipelining_TwoRequestsInOneWrite_AnsweredInOrder()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_proxy.BaseAddress.Host, _proxy.BaseAddress.Port);
        var requests = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /headers HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"u8.ToArray();
        await socket.SendAsync(requests);
        var text = await ReadToEndAsync(socket);
        var first = text.IndexOf("hello from upstream", StringComparison.Ordinal);
        var second = text.IndexOf("host: b", StringComparison.Ordinal);
        Assert.True(first > 0, text);
        Assert.True(second > first, text);
        Assert.Equal(2, CountOf(text, "HTTP/1.1 200 OK"));
    }

    [Fact]
    public async Task ForwardedHeaders_ClientSuppliedValues_Replaced()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.Add("X-Forwarded-For", "6.6.6.6");
        request.Headers.Add("X-FastProxy-Principal", "admin");
        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("x-forwarded-for: 127.0.0.1\n", body, StringComparison.Ordinal);
        Assert.Contains("x-forwarded-proto: http\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("6.6.6.6", body, StringComparison.Ordinal);
        Assert.DoesNotContain("x-fastproxy-principal", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TraceContext_CallersTraceKept_NewSpanAndRequestIdAdded()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.TryAddWithoutValidation("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var traceparent = body.Split('\n').Single(l => l.StartsWith("traceparent: ", StringComparison.Ordinal))["traceparent: ".Length..];
        Assert.StartsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-", traceparent, StringComparison.Ordinal);
        Assert.EndsWith("-01", traceparent, StringComparison.Ordinal);
        Assert.DoesNotContain("00f067aa0ba902b7", traceparent, StringComparison.Ordinal);
        Assert.Matches("x-request-id: [0-9a-f]{32}\n", body);
    }

    [Fact]
    public async Task TraceContext_InvalidTraceparent_NewTraceStarted_ProxysOwnRequestIdSent()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers");
        request.Headers.TryAddWithoutValidation("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
        request.Headers.TryAddWithoutValidation("x-request-id", "order-7781");
        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Matches("traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-00\n", body);
        Assert.DoesNotContain("00000000000000000000000000000000", body, StringComparison.Ordinal);
        Assert.DoesNotContain("order-7781", body, StringComparison.Ordinal);
        Assert.Matches("x-request-id: [0-9a-f]{32}\n", body);
    }

    [Fact]
    public async Task WebSocket_Echo_ThroughProxy()
    {
        using var ws = new ClientWebSocket();
        var uri = new Uri($"ws://{_proxy.BaseAddress.Authority}/ws");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ws.ConnectAsync(uri, timeout.Token);
        var message = Encoding.UTF8.GetBytes("ping through the gate");
        await ws.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var buffer = new byte[256];
        var received = await ws.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal("ping through the gate", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }

    [Fact]
    public async Task SlowUpstream_PastResponseTimeout_Gets504()
    {
        using var response = await _client.GetAsync("/slow");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task SlowClientHeaders_PastHeaderTimeout_Gets408AndClose()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_proxy.BaseAddress.Host, _proxy.BaseAddress.Port);
        await socket.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\nX-Slow: "u8.ToArray());
        var text = await ReadToEndAsync(socket);
        Assert.StartsWith("HTTP/1.1 408 ", text, StringComparison.Ordinal);
        Assert.Contains("Connection: close", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowReadingClient_StopsReading_ConnectionAbortedAfterDeadline_ProxyKeepsServing()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.ReceiveBufferSize = 4096;
        await socket.ConnectAsync(_proxy.BaseAddress.Host, _proxy.BaseAddress.Port);
        await socket.SendAsync("GET /huge HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray());

        // Never read: the proxy's writes stall once the socket buffers are full; after the
        // response deadline (5 s here) it must give up on this client instead of waiting forever.
        Assert.True(await _proxy.WaitForOutputAsync("response body aborted mid-way (client)", TimeSpan.FromSeconds(30)), _proxy.Output);
        Assert.Equal("hello from upstream", await _client.GetStringAsync("/hello"));
    }

    [Theory]
    [InlineData("GET /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "400")]
    [InlineData("GET /hello HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501")]
    [InlineData("GET /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "400")]
    [InlineData("GET /hello HTTP/1.1\r\nHost: a\r\n X-Folded: yes\r\n\r\n", "400")]
    [InlineData("GET /api/../admin HTTP/1.1\r\nHost: a\r\n\r\n", "400")]
    [InlineData("GET /hello HTTP/1.1\r\n\r\n", "400")]
    public async Task SmugglingShapes_Rejected_WithStatusAndClose(string request, string status)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_proxy.BaseAddress.Host, _proxy.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var text = await ReadToEndAsync(socket);
        Assert.StartsWith($"HTTP/1.1 {status} ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_Get_ThroughProxy()
    {
        var (code, output) = await Curl.RunAsync("-sS", "-i", $"{_proxy.BaseAddress}hello");
        Assert.Equal(0, code);
        Assert.Contains("HTTP/1.1 200", output, StringComparison.Ordinal);
        Assert.Contains("hello from upstream", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_PostWithExpectContinue_Forwarded()
    {
        var file = Path.Combine(_proxy.Directory, "payload.bin");
        await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(2 * 1024 * 1024));
        var (code, output) = await Curl.RunAsync("-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "-H", "Expect: 100-continue", "--data-binary", "@" + file, $"{_proxy.BaseAddress}echo");
        Assert.Equal(0, code);
        Assert.Equal("200 2097152", output.Trim());
    }

    internal static async Task<string> ReadToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[64 * 1024];
        var all = new MemoryStream();
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                return Encoding.ASCII.GetString(all.ToArray());
            }

            await all.WriteAsync(buffer.AsMemory(0, n), timeout.Token);
        }
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
