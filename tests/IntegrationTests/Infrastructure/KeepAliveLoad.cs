using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// Continuous load for drills: a few raw HTTP/1.1 keep-alive loops sending GET <c>path</c> until stopped. They never
/// retry, so a request the proxy drops (a connection closed with a request on it, no answer) is counted as lost, and
/// an answer whose status is not the expected one is counted as failed, instead of being hidden by a client's retry.
/// </summary>
public sealed class KeepAliveLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<LoopResult>[] _loops;
    private readonly LoopResult[] _live;

    private KeepAliveLoad(int port, int clients, string path, int expectedStatus)
    {
        _live = Enumerable.Range(0, clients).Select(_ => new LoopResult()).ToArray();
        _loops = _live.Select(r => Task.Run(() => SendUntilStoppedAsync(port, path, expectedStatus, r, _stop.Token))).ToArray();
    }

    /// <summary>Requests sent so far by all loops (read while the load runs, to wait for it to be under way).</summary>
    public int SentSoFar => _live.Sum(r => Volatile.Read(ref r.Sent));

    public static KeepAliveLoad Start(int port, int clients = 4, string path = "/hello", int expectedStatus = 200) =>
        new(port, clients, path, expectedStatus);

    /// <summary>Waits until the loops sent <paramref name="count"/> more requests than now (the load is flowing).</summary>
    public async Task<bool> WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        var target = SentSoFar + count;
        var deadline = DateTime.UtcNow + timeout;
        while (SentSoFar < target && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return SentSoFar >= target;
    }

    /// <summary>Stops the loops and sums up what they saw.</summary>
    public async Task<(int Sent, int Lost, int Failed, IReadOnlyList<string> Failures)> StopAsync()
    {
        await _stop.CancelAsync();
        var results = await Task.WhenAll(_loops);
        return (results.Sum(r => r.Sent), results.Sum(r => r.Lost), results.Sum(r => r.Failed), results.SelectMany(r => r.Failures).ToList());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_loops);
        }

        _stop.Dispose();
    }

    private static async Task<LoopResult> SendUntilStoppedAsync(int port, string path, int expectedStatus, LoopResult result, CancellationToken stop)
    {
        var request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        var buffer = new byte[4096];
        while (!stop.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port);
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref result.Sent);
                await socket.SendAsync(request);
                var (status, keepAlive, failure) = await ReadResponseAsync(socket, buffer);
                if (status == 0)
                {
                    result.Lost++;
                    result.Failures.Add(failure);
                    break;
                }

                if (status != expectedStatus)
                {
                    result.Failed++;
                    result.Failures.Add($"status {status}");
                }

                if (!keepAlive)
                {
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>Reads one response (head + Content-Length or chunked body); status 0 with a reason when the connection ended first.</summary>
    private static async Task<(int Status, bool KeepAlive, string Failure)> ReadResponseAsync(Socket socket, byte[] buffer)
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
                return (0, false, $"{ex.GetType().Name} after {received.Count} response bytes");
            }

            if (read == 0)
            {
                return (0, false, $"connection closed after {received.Count} response bytes");
            }

            received.AddRange(buffer.AsSpan(0, read));
            var text = Encoding.ASCII.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var head = text[..end];
            var status = int.Parse(head.AsSpan(9, 3), CultureInfo.InvariantCulture);
            var close = head.Contains("connection: close", StringComparison.OrdinalIgnoreCase);
            var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase));
            if (lengthLine is null)
            {
                // Chunked: complete at the last chunk (the test upstreams send no trailers).
                if (text.IndexOf("\r\n0\r\n\r\n", end, StringComparison.Ordinal) >= 0)
                {
                    return (status, !close, "");
                }

                continue;
            }

            var length = int.Parse(lengthLine[(lengthLine.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
            if (received.Count >= end + 4 + length)
            {
                return (status, !close, "");
            }
        }
    }

    private sealed class LoopResult
    {
        public int Sent;

        public int Lost;

        public int Failed;

        public List<string> Failures { get; } = [];
    }
}
