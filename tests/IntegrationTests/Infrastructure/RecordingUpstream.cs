using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// A raw-socket upstream that records every byte the proxy sends it and answers each request head it sees with a
/// scripted response. Not an HTTP server: it shows exactly what reached the upstream (a smuggled second request shows
/// up as a second head), which a real server's parsed view would hide.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, string> _respond;
    private readonly Task _acceptLoop;
    private readonly Lock _gate = new();
    private readonly StringBuilder _received = new();
    private int _heads;
    private int _connections;

    private RecordingUpstream(Func<string, string> respond)
    {
        _respond = respond;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Every byte received, on every connection, in arrival order (Latin-1).</summary>
    public string Received
    {
        get
        {
            lock (_gate)
            {
                return _received.ToString();
            }
        }
    }

    /// <summary>Request heads seen (bodies announced by Content-Length are skipped, not counted as heads).</summary>
    public int Heads => Volatile.Read(ref _heads);

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Starts an upstream that answers each head with <paramref name="respond"/>(head), by default a 200 "ok".</summary>
    public static RecordingUpstream Start(Func<string, string>? respond = null)
        => new(respond ?? (_ => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var pending = new StringBuilder();
        var buffer = new byte[16 * 1024];
        long bodyToSkip = 0;
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                var text = Encoding.Latin1.GetString(buffer, 0, read);
                lock (_gate)
                {
                    _received.Append(text);
                }

                pending.Append(text);
                while (true)
                {
                    if (bodyToSkip > 0)
                    {
                        var skip = (int)Math.Min(bodyToSkip, pending.Length);
                        pending.Remove(0, skip);
                        bodyToSkip -= skip;
                        if (bodyToSkip > 0)
                        {
                            break;
                        }
                    }

                    var all = pending.ToString();
                    var end = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    if (end < 0)
                    {
                        break;
                    }

                    var head = all[..(end + 4)];
                    pending.Remove(0, end + 4);
                    bodyToSkip = ContentLength(head);
                    Interlocked.Increment(ref _heads);
                    await stream.WriteAsync(Encoding.Latin1.GetBytes(_respond(head)), _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static long ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase) && long.TryParse(line.AsSpan(15).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var length))
            {
                return length;
            }
        }

        return 0;
    }
}
