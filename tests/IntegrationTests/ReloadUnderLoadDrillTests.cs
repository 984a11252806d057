using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// A reload loses nothing: SIGHUP reloads of a valid configuration while clients send continuously leave every
/// request answered. The clients are raw keep-alive loops that never retry, so a request the proxy drops (a
/// connection closed with a request on it, a request without an answer) is counted, not hidden by a client's retry.
/// </summary>
public sealed class ReloadUnderLoadDrillTests
{
    private const int Clients = 4;
    private const int Reloads = 5;

    [Fact]
    public async Task FiveReloadsUnderContinuousLoad_EveryRequestAnswered()
    {
        await using var upstream = await TestUpstream.StartAsync();
        // Short response and idle timeouts: the old configuration's clusters are retired (after response + idle
        // seconds) while the load still runs, so retiring is drilled too, not only the swap.
        var config = TestConfigs.PublicProxy(upstream.Endpoint, responseSeconds: 1).Replace("\"idle_seconds\": 10", "\"idle_seconds\": 1", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, Clients).Select(_ => Task.Run(() => SendUntilStoppedAsync(proxy.BaseAddress.Port, stop.Token))).ToArray();

        await Task.Delay(500);
        for (var i = 0; i < Reloads; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(proxy.Directory, "fastproxy.json"), config);
            proxy.Signal("HUP");
            await Task.Delay(1000);
        }

        await Task.Delay(2500);
        await stop.CancelAsync();
        var results = await Task.WhenAll(loops);

        Assert.True(await proxy.WaitForOutputAsync("configuration reloaded"), proxy.Output);
        var sent = results.Sum(r => r.Sent);
        var lost = results.Sum(r => r.Lost);
        Assert.True(sent > 500, $"only {sent} requests were sent");
        Assert.True(await proxy.WaitForOutputAsync("configuration reloaded"), proxy.Output);
        Assert.True(lost == 0, $"{lost} of {sent} requests got no response:\n{string.Join('\n', results.SelectMany(r => r.Failures))}\n{proxy.Output}");
    }

    private static async Task<LoopResult> SendUntilStoppedAsync(int port, CancellationToken stop)
    {
        var result = new LoopResult();
        var request = Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        var buffer = new byte[4096];
        while (!stop.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port);
            while (!stop.IsCancellationRequested)
            {
                result.Sent++;
                await socket.SendAsync(request);
                var (answered, keepAlive, failure) = await ReadResponseAsync(socket, buffer);
                if (!answered)
                {
                    result.Lost++;
                    result.Failures.Add(failure);
                    break;
                }

                if (!keepAlive)
                {
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>Reads one response (head + Content-Length body); false with a reason when the connection ended first.</summary>
    private static async Task<(bool Answered, bool KeepAlive, string Failure)> ReadResponseAsync(Socket socket, byte[] buffer)
    {
        var received = new List<byte>();
        while (true)
        {
            int read;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                return (false, false, $"{ex.GetType().Name} after {received.Count} response bytes");
            }

            if (read == 0)
            {
                return (false, false, $"connection closed after {received.Count} response bytes");
            }

            received.AddRange(buffer.AsSpan(0, read));
            var text = Encoding.ASCII.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var head = text[..end];
            var close = head.Contains("connection: close", StringComparison.OrdinalIgnoreCase);
            var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase));
            if (lengthLine is null)
            {
                // Chunked: complete at the last chunk (the test upstream sends no trailers).
                if (text.IndexOf("\r\n0\r\n\r\n", end, StringComparison.Ordinal) >= 0)
                {
                    return (true, !close, "");
                }

                continue;
            }

            var length = int.Parse(lengthLine[(lengthLine.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (received.Count >= end + 4 + length)
            {
                return (true, !close, "");
            }
        }
    }

    private sealed class LoopResult
    {
        public int Sent { get; set; }

        public int Lost { get; set; }

        public List<string> Failures { get; } = [];
    }
}
