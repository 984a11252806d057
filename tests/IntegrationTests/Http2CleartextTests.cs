using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// HTTP/2 in clear text through the real process, driven by clients we did not write (curl, nghttp, .NET HttpClient):
/// a listener with <c>protocol: h2c</c> (HTTP/2 with prior knowledge only), one with <c>auto</c> (the preface decides)
/// and one with <c>http1</c>; each forwards to an HTTP/1.1 upstream.
/// </summary>
public sealed class Http2CleartextTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;
    private int _h2cPort;
    private int _autoPort;
    private int _http1Port;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [
                { "address": "127.0.0.1:0", "protocol": "h2c" },
                { "address": "127.0.0.1:0", "protocol": "auto" },
                { "address": "127.0.0.1:0", "protocol": "http1" }
              ],
              "timeouts": { "header_seconds": 2, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 2 },
              "clusters": { "app": { "endpoints": [ "{{_upstream.Endpoint}}" ] } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
              "log": { "level": "information" }
            }
            """);
        var ports = await _proxy.ListeningPortsAsync(3);
        (_h2cPort, _autoPort, _http1Port) = (ports[0], ports[1], ports[2]);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private int Port(string listener) => string.Equals(listener, "h2c", StringComparison.Ordinal) ? _h2cPort : _autoPort;

    [Theory]
    [InlineData("h2c")]
    [InlineData("auto")]
    public async Task Curl_PriorKnowledge_Get_Http2AndUpstreamBody(string listener)
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", $"http://127.0.0.1:{Port(listener)}/hello");

        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream\n2 200", text);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("auto")]
    public async Task Curl_PriorKnowledge_Head_StatusAndNoBody(string listener)
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http2-prior-knowledge", "-I", $"http://127.0.0.1:{Port(listener)}/get-or-head");

        Assert.True(exit == 0, text);
        Assert.StartsWith("HTTP/2 200", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hello from upstream", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("auto")]
    public async Task Curl_PriorKnowledge_PostBody_EchoedIntact(string listener)
    {
        var payload = new byte[200_000];
        Random.Shared.NextBytes(payload);
        var file = Path.Combine(_proxy.Directory, "payload.bin");
        await File.WriteAllBytesAsync(file, payload);
        var received = Path.Combine(_proxy.Directory, "received.bin");

        var (exit, text) = await Curl.RunAsync("-sS", "--http2-prior-knowledge", "--data-binary", "@" + file, "-o", received,
            "-w", "%{http_version} %{http_code}", $"http://127.0.0.1:{Port(listener)}/echo");

        Assert.True(exit == 0, text);
        Assert.Equal("2 200", text);
        Assert.Equal(payload, await File.ReadAllBytesAsync(received));
    }

    [Fact]
    public async Task Curl_Http11_OnAutoListener_ServedAsHttp11()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--http1.1", "-w", "\n%{http_version} %{http_code}", $"http://127.0.0.1:{_autoPort}/hello");

        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream\n1.1 200", text);
    }

    [Fact]
    public async Task Nghttp_H2c_ResponseFramesAndBody()
    {
        var (exit, text) = await CliTool.RunAsync("nghttp", TimeSpan.FromSeconds(20), "-v", $"http://127.0.0.1:{_h2cPort}/hello");

        Assert.True(exit == 0, text);
        Assert.Contains("recv SETTINGS frame", text, StringComparison.Ordinal);
        Assert.Contains(":status: 200", text, StringComparison.Ordinal);
        Assert.Contains("hello from upstream", text, StringComparison.Ordinal);
        Assert.Contains("recv DATA frame", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("auto")]
    public async Task HttpClient_H2cExact_GetAndPostOverOneConnection(string listener)
    {
        using var client = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{Port(listener)}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(20),
        };

        using (var get = await client.GetAsync(new Uri("/hello", UriKind.Relative)))
        {
            Assert.Equal(HttpVersion.Version20, get.Version);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("hello from upstream", await get.Content.ReadAsStringAsync());
        }

        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        using var post = await client.PostAsync(new Uri("/echo", UriKind.Relative), new ByteArrayContent(payload));
        Assert.Equal(HttpVersion.Version20, post.Version);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(payload, await post.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Http11Request_OnH2cListener_ClosedAndLogged()
    {
        var answer = await SendRawAsync(_h2cPort, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");

        Assert.DoesNotContain("HTTP/1.1", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("hello from upstream", answer, StringComparison.Ordinal);
        Assert.Equal(1u, GoAwayErrorCode(Encoding.Latin1.GetBytes(answer)));
        Assert.True(await _proxy.WaitForOutputAsync("invalid connection preface"), _proxy.Output);
    }

    [Fact]
    public async Task Http2Preface_OnHttp1Listener_AnsweredAsBadHttp11Request()
    {
        var answer = await SendRawAsync(_http1Port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

        // An HTTP/1.1 parser sees a request line with version HTTP/2.0: 505, and the connection closed.
        Assert.StartsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n", answer, StringComparison.Ordinal);
    }

    /// <summary>The error code of the GOAWAY among the HTTP/2 frames in <paramref name="bytes"/> (1 = PROTOCOL_ERROR), or null.</summary>
    private static uint? GoAwayErrorCode(byte[] bytes)
    {
        for (var at = 0; at + 9 <= bytes.Length;)
        {
            var length = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
            var type = bytes[at + 3];
            if (type == 0x7 && at + 9 + 8 <= bytes.Length)
            {
                return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 9 + 4, 4));
            }

            at += 9 + length;
        }

        return null;
    }

    /// <summary>Sends <paramref name="request"/> and returns everything read until the proxy closes (Latin-1).</summary>
    private static async Task<string> SendRawAsync(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                await received.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }
}
