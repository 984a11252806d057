using System.Net;
using System.Net.Sockets;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// An upstream on a bare socket, for tests about what exactly reaches an upstream and when its connection ends: it
/// records every connection's bytes and close, and answers <c>200 ok</c> to each request once the request looks
/// complete (see <see cref="RawUpstreamConnection"/>), so a half-sent request is never answered.
/// </summary>
public sealed class RawUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly List<RawUpstreamConnection> _connections = [];
    private readonly Task _accepting;

    private RawUpstream(TcpListener listener)
    {
        _listener = listener;
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The connections accepted so far, in order.</summary>
    public IReadOnlyList<RawUpstreamConnection> Connections
    {
        get
        {
            lock (_connections)
            {
                return [.. _connections];
            }
        }
    }

    public static RawUpstream Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new RawUpstream(listener);
    }

    /// <summary>Waits for the <paramref name="index"/>th connection (0-based) to be accepted.</summary>
    public async Task<RawUpstreamConnection> WaitForConnectionAsync(int index, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var connections = Connections;
            if (connections.Count > index)
            {
                return connections[index];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the upstream accepted {connections.Count} connections, waited for #{index + 1}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _accepting;
        foreach (var connection in Connections)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(RawUpstreamConnection.Serve(socket));
            }
        }
    }
}
