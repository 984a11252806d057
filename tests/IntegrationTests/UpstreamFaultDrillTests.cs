using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Fault drills against the real binary: an upstream that misbehaves in each way operators meet (closes or resets
/// mid-exchange, answers garbage, answers too slowly, stops reading). For each: no crash, the right status (or a
/// response the client can tell is broken, never a truncated body that looks complete), the log line, and no leaked
/// connection or file descriptor afterwards.
/// </summary>
public sealed class UpstreamFaultDrillTests
{
    public enum Fault
    {
        ClosesMidResponse,
        ResetsMidRequestBody,
        AnswersGarbage,
        HeadTooSlow,
        BodyStalls,
        StopsReading,
    }

    [Theory]
    [InlineData(Fault.ClosesMidResponse, 0, "response body aborted mid-way (upstream)")]
    [InlineData(Fault.ResetsMidRequestBody, 502, "")]
    [InlineData(Fault.AnswersGarbage, 502, "invalid response")]
    [InlineData(Fault.HeadTooSlow, 504, "did not answer within")]
    [InlineData(Fault.BodyStalls, 0, "response body aborted mid-way (upstream)")]
    [InlineData(Fault.StopsReading, 504, "")]
    public async Task MisbehavingUpstream_RightAnswerAndNothingLeaks(Fault fault, int expectedStatus, string logged)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = ServeAsync(listener, fault);
        var config = TestConfigs.PublicProxy($"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}", responseSeconds: 1)
            .Replace("\"idle_seconds\": 10", "\"idle_seconds\": 2", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);

        // The first exchange also starts what the process creates once (event loops, pools): the baseline is after it.
        var (status, bodyComplete) = await SendAsync(proxy.BaseAddress.Port, fault);
        await Task.Delay(1000);
        var baseline = Descriptors(proxy.Pid);
        for (var i = 0; i < 4; i++)
        {
            await SendAsync(proxy.BaseAddress.Port, fault);
        }

        if (expectedStatus != 0)
        {
            Assert.Equal(expectedStatus, status);
        }
        else
        {
            // The head was relayed before the fault: the client must be able to tell the body is broken.
            Assert.False(bodyComplete, "a broken response body reached the client looking complete");
        }

        if (logged.Length > 0)
        {
            Assert.True(await proxy.WaitForOutputAsync(logged), proxy.Output);
        }

        // Four more of the same leave no descriptor behind: the upstream side of each exchange is gone too.
        await WaitUntilAsync(() => Descriptors(proxy.Pid) <= baseline + 2, TimeSpan.FromSeconds(8));
        Assert.InRange(Descriptors(proxy.Pid), 0, baseline + 2);
        Assert.False(proxy.Output.Contains("Unhandled", StringComparison.Ordinal), proxy.Output);

        listener.Stop();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<(int Status, bool BodyComplete)> SendAsync(int port, Fault fault)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var upload = fault is Fault.ResetsMidRequestBody or Fault.StopsReading;
        var bodyLength = upload ? 8 * 1024 * 1024 : 0;
        var head = upload
            ? $"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {bodyLength}\r\n\r\n"
            : "GET /fault HTTP/1.1\r\nHost: x\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (upload)
        {
            // The upload goes on in the background: the proxy may answer (and close) before it is all sent.
            _ = Task.Run(async () =>
            {
                var chunk = new byte[64 * 1024];
                try
                {
                    for (var sent = 0; sent < bodyLength; sent += chunk.Length)
                    {
                        await stream.WriteAsync(chunk);
                    }
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                }
            });
        }

        var received = new List<byte>();
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, read));
                if (IsComplete(received, out _))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
        }

        var text = Encoding.Latin1.GetString([.. received]);
        var status = text.Length >= 12 && text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (status, IsComplete(received, out _));
    }

    /// <summary>Whether <paramref name="bytes"/> hold a whole response: its head and a body of the Content-Length it declares.</summary>
    private static bool IsComplete(List<byte> bytes, out int headLength)
    {
        var text = Encoding.Latin1.GetString([.. bytes]);
        headLength = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headLength < 0)
        {
            return false;
        }

        var lengthLine = text[..headLength].Split("\r\n").FirstOrDefault(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase));
        return lengthLine is not null
            && bytes.Count >= headLength + 4 + int.Parse(lengthLine[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ServeAsync(TcpListener listener, Fault fault)
    {
        var handlers = new List<Task>();
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                await Task.WhenAll(handlers);
                return;
            }

            handlers.Add(MisbehaveAsync(socket, fault));
        }
    }

    private static async Task MisbehaveAsync(Socket socket, Fault fault)
    {
        using (socket)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                if (fault == Fault.StopsReading)
                {
                    // Never reads: the request body fills the socket buffers and stops; the proxy's response timeout ends it.
                    await Task.Delay(TimeSpan.FromSeconds(6));
                    return;
                }

                await socket.ReceiveAsync(buffer);
                switch (fault)
                {
                    case Fault.ClosesMidResponse:
                        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.."u8.ToArray());
                        socket.Shutdown(SocketShutdown.Both);
                        break;
                    case Fault.ResetsMidRequestBody:
                        await socket.ReceiveAsync(buffer);
                        socket.LingerState = new LingerOption(true, 0);
                        break;
                    case Fault.AnswersGarbage:
                        await socket.SendAsync("FOO BAR\r\n\r\n"u8.ToArray());
                        await Task.Delay(500);
                        break;
                    case Fault.HeadTooSlow:
                        await Task.Delay(TimeSpan.FromSeconds(3));
                        break;
                    case Fault.BodyStalls:
                        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstalls"u8.ToArray());
                        await Task.Delay(TimeSpan.FromSeconds(6));
                        break;
                }
            }
            catch (SocketException)
            {
            }
        }
    }

    private static int Descriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}
