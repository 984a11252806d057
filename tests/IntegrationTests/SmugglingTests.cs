using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The proxy owns the framing and the hop of every request it forwards (DESIGN.md, "Who owns the wire"): raw bytes
/// from a hostile client to a real proxy process, and exactly what reached a raw upstream.
/// </summary>
public sealed class SmugglingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RecordingUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = RecordingUpstream.Start(Respond);
        _proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(_upstream.Endpoint));
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task ConnectionNamesContentLength_TheReportedSmuggle_400AndNothingReachesTheUpstream()
    {
        const string smuggled = "GET /admin/delete HTTP/1.1\r\nHost: app\r\nX-User-Id: admin\r\n\r\n";
        var request = "POST /api/x HTTP/1.1\r\nHost: app\r\nConnection: content-length\r\nContent-Length: " + smuggled.Length + "\r\n\r\n" + smuggled;

        var response = await SendAsync(request);

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.Heads);
        Assert.DoesNotContain("/admin/delete", _upstream.Received, StringComparison.Ordinal);
        Assert.True(await _proxy.WaitForOutputAsync("Connection names Host, Content-Length or Transfer-Encoding"), "the refusal is logged with its reason");
    }

    [Theory]
    [InlineData("Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("Connection: keep-alive, host\r\nContent-Length: 5\r\n", "hello")]
    [InlineData("Connection: close\r\nConnection: CONTENT-LENGTH\r\nContent-Length: 5\r\n", "hello")]
    public async Task ConnectionNamesFramingOrHost_400AndNothingForwarded(string fields, string body)
    {
        var response = await SendAsync("POST /a HTTP/1.1\r\nHost: app\r\n" + fields + "\r\n" + body);

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.Heads);
    }

    [Fact]
    public async Task ForwardedRequest_FramingWrittenByTheProxyFromTheParsedLength()
    {
        var response = await SendAsync("POST /a HTTP/1.1\r\nHost: app\r\ncontent-length: 5\r\nConnection: close\r\n\r\nhello");

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);

        // The upstream answers as soon as it has the head: the body may reach it just after the client has the response.
        for (var attempt = 0; attempt < 100 && !_upstream.Received.EndsWith("hello", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(50);
        }

        var received = _upstream.Received;
        Assert.Contains("\r\nContent-Length: 5\r\n", received, StringComparison.Ordinal);
        Assert.DoesNotContain("content-length: 5", received, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nhello", received, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("h2c")]
    [InlineData("websocket, h2c")]
    [InlineData("TLS/1.2")]
    public async Task UpgradeToAnythingButWebSocket_ForwardedAsAPlainRequestWithoutUpgrade(string protocol)
    {
        var response = await SendAsync("GET /a HTTP/1.1\r\nHost: app\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: " + protocol
            + "\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        var received = _upstream.Received;
        Assert.Equal(1, _upstream.Heads);
        Assert.DoesNotContain("upgrade", received, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("h2c", received, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http2-settings", received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task WebSocketUpgrade_OnARouteWithoutUpgrades_ForwardedAsAPlainRequest()
    {
        var config = TestConfigs.PublicProxy(_upstream.Endpoint).Replace("\"public\": true }", "\"public\": true, \"upgrades\": [] }", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);

        var response = await SendAsync(proxy, "GET /chat HTTP/1.1\r\nHost: app\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        Assert.Equal(1, _upstream.Heads);
        Assert.DoesNotContain("upgrade", _upstream.Received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UpstreamSwitchesToAnotherProtocolThanWebSocket_502()
    {
        var response = await SendAsync("GET /switch-h2c HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 502 ", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CONNECT app:443 HTTP/1.1\r\nHost: app:443\r\n\r\n")]
    [InlineData("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\nSSH-2.0-x\r\n")]
    public async Task Connect_501AndNeverForwarded(string request)
    {
        var response = await SendAsync(request);

        Assert.StartsWith("HTTP/1.1 501 ", response, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.Connections);
        Assert.True(await _proxy.WaitForOutputAsync("CONNECT from"), "the refusal is logged");
    }

    [Fact]
    public async Task UpstreamResponseConnectionNamesItsFraming_502NeverRelayedUnframed()
    {
        var response = await SendAsync("GET /frame-hiding HTTP/1.1\r\nHost: app\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 502 ", response, StringComparison.Ordinal);
        Assert.DoesNotContain("smuggled", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upstream204WithContentLength_ClientSeesNoContentLength()
    {
        var response = await SendAsync("GET /no-content HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 204 ", response, StringComparison.Ordinal);
        Assert.DoesNotContain("content-length", response, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("X_User")]
    [InlineData("x_USER")]
    public async Task IdentityHeaderUnderscoreSpelling_Stripped(string spelling)
    {
        // CGI, WSGI, Rack and PHP read "X_User" and "X-User" as the same variable (HTTP_X_USER).
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.GatedProxy(_upstream.Endpoint, idp.Issuer));

        var response = await SendAsync(proxy, $"GET /public/x HTTP/1.1\r\nHost: app\r\n{spelling}: admin\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        Assert.Equal(1, _upstream.Heads);
        Assert.DoesNotContain("admin", _upstream.Received, StringComparison.Ordinal);
    }

    private static string Respond(string head)
    {
        if (head.StartsWith("GET /frame-hiding ", StringComparison.Ordinal))
        {
            return "HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled";
        }

        if (head.StartsWith("GET /switch-h2c ", StringComparison.Ordinal))
        {
            return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
        }

        if (head.StartsWith("GET /no-content ", StringComparison.Ordinal))
        {
            return "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
        }

        return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    }

    private Task<string> SendAsync(string request) => SendAsync(_proxy, request);

    /// <summary>Sends raw bytes and reads until the proxy closes, a whole response came or 5 s pass; returns what came back (Latin-1).</summary>
    private static async Task<string> SendAsync(ProxyProcess proxy, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy.BaseAddress.Host, proxy.BaseAddress.Port);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (read == 0)
                {
                    break;
                }

                await received.WriteAsync(buffer.AsMemory(0, read));
                if (IsCompleteResponse(received))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }

    /// <summary>A head plus its Content-Length body, or a head of a bodiless status (enough for these tests).</summary>
    private static bool IsCompleteResponse(MemoryStream received)
    {
        var text = Encoding.Latin1.GetString(received.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var head = text[..end];
        if (head.StartsWith("HTTP/1.1 204 ", StringComparison.Ordinal) || head.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase) && int.TryParse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var length))
            {
                return text.Length >= end + 4 + length;
            }
        }

        return false;
    }
}
