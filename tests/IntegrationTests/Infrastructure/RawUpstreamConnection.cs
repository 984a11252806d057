using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// One connection of a <see cref="RawUpstream"/>: everything received, when the proxy closed it, and a <c>200 ok</c>
/// for each request once it looks complete: a GET at the end of its head, a Content-Length body once all of it
/// arrived, a chunked body once its last-chunk and the end of its trailer section arrived (good enough for the
/// tests' bodies, whose data never holds "\r\n0\r\n"). A request for <c>/early</c> is answered as soon as its head
/// arrives, with the first chunk of a response that never ends, and nothing on that connection is answered again.
/// </summary>
public sealed class RawUpstreamConnection : IAsyncDisposable
{
    private static readonly byte[] Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();
    private static readonly byte[] EarlyStart = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly StringBuilder _received = new();
    private readonly TaskCompletionSource<TimeSpan> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _since = Stopwatch.StartNew();
    private Task _serving = Task.CompletedTask;
    private int _requestStart;
    private bool _answeredEarly;

    private RawUpstreamConnection(Socket socket) => _socket = socket;

    /// <summary>Everything received so far, as ASCII.</summary>
    public string Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToString();
            }
        }
    }

    /// <summary>Completes (with the time since the accept) when the proxy closed or reset the connection.</summary>
    public Task<TimeSpan> Closed => _closed.Task;

    internal static RawUpstreamConnection Serve(Socket socket)
    {
        var connection = new RawUpstreamConnection(socket);
        connection._serving = connection.ServeAsync();
        return connection;
    }

    /// <summary>Waits until <paramref name="text"/> was received; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForReceivedAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Received.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _serving;
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                string pending;
                lock (_received)
                {
                    _received.Append(Encoding.Latin1.GetString(buffer, 0, read));
                    pending = _received.ToString(_requestStart, _received.Length - _requestStart);
                }

                if (_answeredEarly)
                {
                    continue;
                }

                if (pending.StartsWith("POST /early ", StringComparison.Ordinal) && pending.Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    _answeredEarly = true;
                    await _socket.SendAsync(EarlyStart);
                }
                else if (IsCompleteRequest(pending))
                {
                    lock (_received)
                    {
                        _requestStart = _received.Length;
                    }

                    await _socket.SendAsync(Ok);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // A reset (the proxy aborted) or the test's own dispose: either way the connection is over.
        }

        _closed.TrySetResult(_since.Elapsed);
    }

    private static bool IsCompleteRequest(string request)
    {
        var headEnd = request.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return false;
        }

        var head = request[..headEnd];
        var body = request[(headEnd + 4)..];
        if (head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            var lastChunk = body.StartsWith("0\r\n", StringComparison.Ordinal) || body.Contains("\r\n0\r\n", StringComparison.Ordinal);
            return lastChunk && body.EndsWith("\r\n\r\n", StringComparison.Ordinal);
        }

        var contentLength = head.IndexOf("content-length: ", StringComparison.OrdinalIgnoreCase);
        if (contentLength >= 0)
        {
            var value = head[(contentLength + 16)..].Split("\r\n")[0];
            return body.Length >= int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return true;
    }
}
