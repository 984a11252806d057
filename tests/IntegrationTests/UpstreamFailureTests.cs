using System.Net;
using System.Net.Sockets;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task UpstreamDown_Gets502()
    {
        // A port that was free a moment ago: nothing listens there.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy($"127.0.0.1:{port}"));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        using var response = await client.GetAsync("/anything");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.True(await proxy.WaitForOutputAsync("connect failed"), proxy.Output);
    }

    [Fact]
    public async Task Sigterm_WhileIdle_ExitsZero()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(upstream.Endpoint));
        using (var client = new HttpClient { BaseAddress = proxy.BaseAddress })
        {
            Assert.Equal("hello from upstream", await client.GetStringAsync("/hello"));
        }

        proxy.Signal("TERM");
        Assert.Equal(0, await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task PooledConnectionClosedWithoutAnswer_IdempotentRequestRetried_RequestWithBodyGets502()
    {
        // An upstream that answers the first request on each connection and closes the connection on reading
        // the second, without a byte of answer: a keep-alive timeout racing the proxy's reuse looks like this.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connections = 0;
        var serving = ServeFirstRequestOnlyAsync(listener, () => Interlocked.Increment(ref connections));

        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy($"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        Assert.Equal("ok", await client.GetStringAsync("/first"));

        // The pooled connection is taken, the upstream closes it: nothing reached an application, so a GET is sent again on a new one.
        Assert.Equal("ok", await client.GetStringAsync("/second"));
        Assert.Equal(2, Volatile.Read(ref connections));

        // A request with a body is never sent twice: the client learns the upstream failed.
        using var post = await client.PostAsync("/third", new StringContent("payload"));
        Assert.Equal(HttpStatusCode.BadGateway, post.StatusCode);
        Assert.True(await proxy.WaitForOutputAsync("closed the connection before a complete response -> 502"), proxy.Output);
        Assert.Equal(2, Volatile.Read(ref connections));

        listener.Stop();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task ServeFirstRequestOnlyAsync(TcpListener listener, Action accepted)
    {
        var handlers = new List<Task>();
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                await Task.WhenAll(handlers);
                return;
            }

            accepted();
            handlers.Add(Task.Run(async () =>
            {
                using (socket)
                {
                    if (await ReadHeadAsync(socket))
                    {
                        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
                        await ReadHeadAsync(socket);
                    }
                }
            }));
        }
    }

    /// <summary>Reads up to the end of a request head (the test requests' bodies are not needed); false when the peer closed first.</summary>
    private static async Task<bool> ReadHeadAsync(Socket socket)
    {
        var seen = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer);
            if (read == 0)
            {
                return false;
            }

            seen.AddRange(buffer.AsSpan(0, read));
            if (System.Text.Encoding.ASCII.GetString([.. seen]).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return true;
            }
        }
    }

    [Fact]
    public async Task NoRoute_Gets404()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var config = TestConfigs.PublicProxy(upstream.Endpoint).Replace("\"path\": \"/**\"", "\"path\": \"/only/**\"", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        using var response = await client.GetAsync("/hello");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
