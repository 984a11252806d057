using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastProxy.Tests.Common;

/// <summary>Hermetic loopback plumbing for socket tests: ephemeral ports only, never fixed ones.</summary>
public static class LoopbackHelpers
{
    /// <summary>The default bound on any single async step in a socket test.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    private static readonly Lazy<bool> s_ipv6 = new(ProbeIPv6);

    public static IPEndPoint AnyPortV4 => new(IPAddress.Loopback, 0);

    public static IPEndPoint AnyPortV6 => new(IPAddress.IPv6Loopback, 0);

    /// <summary>Whether [::1] can be bound here (containers often lack IPv6).</summary>
    public static bool IsIPv6Available => s_ipv6.Value;

    public static async Task<Socket> ConnectAsync(EndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(StepTimeout);
        await socket.ConnectAsync(endpoint, cts.Token);
        return socket;
    }

    public static async Task SendAsync(Socket socket, string ascii)
    {
        using var cts = new CancellationTokenSource(StepTimeout);
        var bytes = Encoding.ASCII.GetBytes(ascii);
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cts.Token);
        }
    }

    /// <summary>Receives exactly <paramref name="count"/> bytes (fails on early EOF or after <see cref="StepTimeout"/>).</summary>
    public static async Task<string> ReceiveExactlyAsync(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(StepTimeout);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF after {read} of {count} bytes");
            }

            read += n;
        }

        return Encoding.ASCII.GetString(buffer);
    }

    /// <summary>Reads until the peer closes; returns what came and whether it ended with FIN (false: reset).</summary>
    public static async Task<(string Data, bool CleanFin)> ReceiveToEndAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(StepTimeout);
        var buffer = new byte[4096];
        using var all = new MemoryStream();
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return (Encoding.ASCII.GetString(all.ToArray()), true);
                }

                all.Write(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return (Encoding.ASCII.GetString(all.ToArray()), false);
        }
    }

    /// <summary>A port nothing listens on: bind, read the port, close.</summary>
    public static IPEndPoint ClosedPortV4()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(AnyPortV4);
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <see cref="StepTimeout"/> passes (for state that has no event to await).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}");
            }

            await Task.Delay(10);
        }
    }

    private static bool ProbeIPv6()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(AnyPortV6);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
