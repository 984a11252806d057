using System.Net.Sockets;
using FastProxy.Core.Transport;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>A raw client socket connected to a server-side <see cref="SocketConnection"/> over loopback.</summary>
internal sealed class SocketPair : IAsyncDisposable
{
    private SocketPair(Socket client, SocketConnection server)
    {
        Client = client;
        Server = server;
    }

    public Socket Client { get; }

    public SocketConnection Server { get; }

    public static async Task<SocketPair> CreateAsync(SocketConnectionOptions options, bool ipv6 = false)
    {
        using var listen = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(ipv6 ? LoopbackHelpers.AnyPortV6 : LoopbackHelpers.AnyPortV4);
        listen.Listen(1);
        var client = await LoopbackHelpers.ConnectAsync(listen.LocalEndPoint!);
        using var cts = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        var accepted = await listen.AcceptAsync(cts.Token);
        return new SocketPair(client, SocketConnection.Create(accepted, options));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
