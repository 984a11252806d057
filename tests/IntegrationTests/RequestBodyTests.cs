using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Request bodies that go wrong after their head was forwarded, and request trailers: what the client hears, and what
/// the upstream sees on its socket (issue 10, items 5 and 8).
/// </summary>
public sealed class RequestBodyTests(ITestOutputHelper output) : IAsyncLifetime
{
    // Well under the proxy's 5 s response timeout in these tests: an answer only the timeout produces is too late.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(2);

    private const string ChunkedHead = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    private RawUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = RawUpstream.Start();
        _proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(_upstream.Endpoint, responseSeconds: 5));
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData("0x5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")]
    [InlineData(" 5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("10000000000000000\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhelloEXTRA\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nX-Bad : 1\r\n\r\n")]
    public async Task ChunkedBody_MalformedAfterHeadForwarded_400AtOnce_UpstreamAborted(string body)
    {
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes(ChunkedHead));
        var upstream = await _upstream.WaitForConnectionAsync(0, Prompt);
        Assert.True(await upstream.WaitForReceivedAsync("\r\n\r\n", Prompt), upstream.Received);

        var clock = Stopwatch.StartNew();
        await client.SendAsync(Encoding.ASCII.GetBytes(body));
        var response = await ForwardingTests.ReadToEndAsync(client);

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("Connection: close", response, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < Prompt, $"400 after {clock.Elapsed}");
        await AssertUpstreamAbortedAndNotReusedAsync(upstream);
        Assert.True(await _proxy.WaitForOutputAsync("request body from"), _proxy.Output);
    }

    [Fact]
    public async Task ChunkedBody_MalformedAfterResponseStarted_ClientConnectionClosedAtOnce_No400()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes(ChunkedHead.Replace("/upload", "/early", StringComparison.Ordinal) + "5\r\nhello\r\n"));
        var started = await ReadUntilAsync(client, "first\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", started, StringComparison.Ordinal);
        var upstream = await _upstream.WaitForConnectionAsync(0, Prompt);

        var clock = Stopwatch.StartNew();
        await client.SendAsync("0x5\r\nhello\r\n0\r\n\r\n"u8.ToArray());
        var rest = await ReadUntilClosedAsync(client);

        // The response is under way: a 400 now would be read as part of it. Cutting the connection is the only signal.
        Assert.True(clock.Elapsed < Prompt, $"closed after {clock.Elapsed}");
        Assert.DoesNotContain("HTTP/1.1", rest, StringComparison.Ordinal);
        await AssertUpstreamAbortedAndNotReusedAsync(upstream);
        Assert.True(await _proxy.WaitForOutputAsync("response body aborted mid-way (client)"), _proxy.Output);
    }

    [Fact]
    public async Task ChunkedBody_PassesLimitAfterHeadForwarded_413AtOnce_UpstreamAborted()
    {
        var config = TestConfigs.PublicProxy(_upstream.Endpoint, responseSeconds: 5)
            .Replace("\"clusters\":", "\"limits\": { \"max_body_bytes\": 16 },\n  \"clusters\":", StringComparison.Ordinal);
        await using var limited = await ProxyProcess.StartAsync(config);
        using var client = await ConnectAsync(limited);
        await client.SendAsync(Encoding.ASCII.GetBytes(ChunkedHead + "10\r\n0123456789abcdef\r\n"));
        var upstream = await _upstream.WaitForConnectionAsync(0, Prompt);
        Assert.True(await upstream.WaitForReceivedAsync("abcdef\r\n", Prompt), upstream.Received);

        var clock = Stopwatch.StartNew();
        await client.SendAsync("1\r\nX\r\n0\r\n\r\n"u8.ToArray());
        var response = await ForwardingTests.ReadToEndAsync(client);

        Assert.StartsWith("HTTP/1.1 413 ", response, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < Prompt, $"413 after {clock.Elapsed}");
        await AssertUpstreamAbortedAndNotReusedAsync(upstream, limited);
        output.WriteLine(limited.Output);
    }

    [Fact]
    public async Task ContentLengthBody_ClientHalfClosesShort_400AtOnce_UpstreamAborted()
    {
        using var client = await ConnectAsync();
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello"u8.ToArray());
        var upstream = await _upstream.WaitForConnectionAsync(0, Prompt);
        Assert.True(await upstream.WaitForReceivedAsync("hello", Prompt), upstream.Received);

        var clock = Stopwatch.StartNew();
        client.Shutdown(SocketShutdown.Send);
        var response = await ForwardingTests.ReadToEndAsync(client);

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < Prompt, $"400 after {clock.Elapsed}");
        await AssertUpstreamAbortedAndNotReusedAsync(upstream);
        Assert.True(await _proxy.WaitForOutputAsync("incomplete: the client closed"), _proxy.Output);
    }

    [Fact]
    public async Task ContentLengthBody_ClientGoneMidBody_UpstreamAbortedAtOnce()
    {
        RawUpstreamConnection upstream;
        using (var client = await ConnectAsync())
        {
            await client.SendAsync("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello"u8.ToArray());
            upstream = await _upstream.WaitForConnectionAsync(0, Prompt);
            Assert.True(await upstream.WaitForReceivedAsync("hello", Prompt), upstream.Received);
        }

        await AssertUpstreamAbortedAndNotReusedAsync(upstream);
    }

    [Fact]
    public async Task ChunkedBody_TrailersNamingIdentityAndForwardedFields_NeverReachUpstream()
    {
        using var client = await ConnectAsync();
        var head = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-User-Id, X-Forwarded-For\r\nConnection: close\r\n\r\n";
        await client.SendAsync(Encoding.ASCII.GetBytes(head + "5\r\nhello\r\n0\r\nX-User-Id: admin\r\n"));

        // The rest of the trailer section in later packets: the dropped section may span reads.
        await Task.Delay(50);
        await client.SendAsync("X-Forwarded-For: 1.2.3.4\r\nX-Fastproxy-Principal: ro"u8.ToArray());
        await Task.Delay(50);
        await client.SendAsync("ot\r\n\r\n"u8.ToArray());
        var response = await ForwardingTests.ReadToEndAsync(client);

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        var upstream = await _upstream.WaitForConnectionAsync(0, Prompt);
        var received = upstream.Received;
        Assert.EndsWith("\r\n\r\n5\r\nhello\r\n0\r\n\r\n", received, StringComparison.Ordinal);
        Assert.DoesNotContain("x-user-id", received, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("admin", received, StringComparison.Ordinal);
        Assert.DoesNotContain("1.2.3.4", received, StringComparison.Ordinal);
        Assert.DoesNotContain("x-fastproxy-principal", received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ChunkedBody_WithTrailers_UpstreamConnectionReusedForNextRequest()
    {
        // Dropping the trailer section must leave a complete message on the upstream connection, fit for reuse.
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes(ChunkedHead + "5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n"));
        Assert.EndsWith("\r\n\r\nok", await ReadUntilAsync(client, "\r\n\r\nok"), StringComparison.Ordinal);
        await client.SendAsync("GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"u8.ToArray());
        var response = await ForwardingTests.ReadToEndAsync(client);

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        var upstream = Assert.Single(_upstream.Connections);
        Assert.Contains("0\r\n\r\nGET /next ", upstream.Received, StringComparison.Ordinal);
    }

    /// <summary>
    /// The upstream connection that held the broken request was closed promptly by the proxy, and the next request
    /// goes to a new one (an aborted connection is never pooled).
    /// </summary>
    private async Task AssertUpstreamAbortedAndNotReusedAsync(RawUpstreamConnection upstream, ProxyProcess? proxy = null)
    {
        var closedAfter = await upstream.Closed.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(closedAfter < TimeSpan.FromSeconds(3), $"upstream connection closed {closedAfter} after its accept");

        using var next = await ConnectAsync(proxy);
        await next.SendAsync("GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"u8.ToArray());
        var response = await ForwardingTests.ReadToEndAsync(next);
        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        Assert.Equal(2, _upstream.Connections.Count);
        Assert.DoesNotContain("GET /next", upstream.Received, StringComparison.Ordinal);
    }

    private async Task<Socket> ConnectAsync(ProxyProcess? proxy = null)
    {
        var address = (proxy ?? _proxy).BaseAddress;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address.Host, address.Port);
        return socket;
    }

    /// <summary>Reads until <paramref name="text"/> arrived (within 15 s); returns everything read, which holds it unless the peer closed first.</summary>
    private static async Task<string> ReadUntilAsync(Socket socket, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        var seen = new StringBuilder();
        while (!seen.ToString().Contains(text, StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                break;
            }

            seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return seen.ToString();
    }

    /// <summary>Reads until the peer closes or resets the connection (within 15 s); returns what was read.</summary>
    private static async Task<string> ReadUntilClosedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        var seen = new StringBuilder();
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // An abort: the connection is over all the same.
        }

        return seen.ToString();
    }
}
