using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastProxy.Policy.Tests.TestSupport;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1:0 answering GET with JSON, for an in-test identity
/// provider (discovery + JWKS). One request per connection. <see cref="Down"/> makes it drop
/// connections without answering, as an unreachable IdP would.
/// </summary>
internal sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, Func<string>> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public TinyHttpServer()
    {
        _listener.Start();
        BaseUri = "http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _loop = AcceptLoopAsync();
    }

    public string BaseUri { get; }

    public volatile bool Down;

    /// <summary>Optional delay before answering (lets tests observe single-flight).</summary>
    public TimeSpan Delay { get; set; }

    public void Map(string path, Func<string> body) => _routes[path] = body;

    public int Hits(string path) => _hits.TryGetValue(path, out var count) ? count : 0;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var length = 0;
                while (length < buffer.Length)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(length), _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    length += read;
                    if (Encoding.ASCII.GetString(buffer, 0, length).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        break;
                    }
                }

                var requestLine = Encoding.ASCII.GetString(buffer, 0, length).Split("\r\n")[0].Split(' ');
                var path = requestLine.Length > 1 ? requestLine[1] : "/";
                _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
                if (Down)
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    return;
                }

                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, _stop.Token);
                }

                var found = _routes.TryGetValue(path, out var handler);
                var body = Encoding.UTF8.GetBytes(found ? handler!() : "{\"error\":\"not found\"}");
                var head = $"HTTP/1.1 {(found ? "200 OK" : "404 Not Found")}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }
}
