using System.Net.Sockets;
using FastProxy.Core.Transport.Epoll;
using FastProxy.Tests.Common;

namespace FastProxy.Core.Tests.Transport;

/// <summary>send/recv/O_NONBLOCK as the epoll engine uses them: never blocking, errors as SocketError.</summary>
public sealed class SocketSyscallsTests
{
    private const int TestTimeout = 30_000;

    [Fact(Timeout = TestTimeout)]
    public async Task Receive_NothingToRead_WouldBlockAtOnce()
    {
        var (client, server) = await ConnectedPairAsync();
        using var _ = client;
        using var __ = server;
        SocketSyscalls.SetNonBlocking(server);

        var received = SocketSyscalls.Receive(server, new byte[16], out var status);

        Assert.Equal(0, received);
        Assert.Equal(SocketError.WouldBlock, status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task SendReceive_BytesArriveInOrder()
    {
        var (client, server) = await ConnectedPairAsync();
        using var clientSocket = client;
        using var serverSocket = server;
        SocketSyscalls.SetNonBlocking(server);

        Assert.Equal(5, SocketSyscalls.Send(server, "hello"u8, out var sendStatus));
        Assert.Equal(SocketError.Success, sendStatus);
        Assert.Equal("hello", await LoopbackHelpers.ReceiveExactlyAsync(client, 5));

        client.Send("world"u8);
        var buffer = new byte[16];
        var received = 0;
        await LoopbackHelpers.WaitUntilAsync(() => (received = SocketSyscalls.Receive(server, buffer, out var status)) > 0, "the bytes to arrive");
        Assert.Equal("world"u8.ToArray(), buffer[..received]);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Receive_PeerFinThenReset_ZeroThenConnectionReset()
    {
        var (client, server) = await ConnectedPairAsync();
        using var __ = server;
        SocketSyscalls.SetNonBlocking(server);
        client.Shutdown(SocketShutdown.Send);

        var status = SocketError.WouldBlock;
        await LoopbackHelpers.WaitUntilAsync(() => SocketSyscalls.Receive(server, new byte[16], out status) == 0 && status == SocketError.Success, "the FIN to be read as 0 bytes");

        client.LingerState = new LingerOption(true, 0);
        client.Dispose();
        await LoopbackHelpers.WaitUntilAsync(() => SocketSyscalls.Send(server, "x"u8, out status) == 0 && status != SocketError.Success, "the reset to fail a send");
        Assert.Contains(status, new[] { SocketError.ConnectionReset, SocketError.Shutdown });
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Send_DisposedSocket_OperationAborted()
    {
        var (client, server) = await ConnectedPairAsync();
        using var _ = client;
        SocketSyscalls.SetNonBlocking(server);
        server.Dispose();

        Assert.Equal(0, SocketSyscalls.Send(server, "x"u8, out var status));
        Assert.Equal(SocketError.OperationAborted, status);
    }

    [Theory]
    [InlineData(11, SocketError.WouldBlock)]
    [InlineData(104, SocketError.ConnectionReset)]
    [InlineData(32, SocketError.Shutdown)]
    [InlineData(9, SocketError.OperationAborted)]
    [InlineData(110, SocketError.TimedOut)]
    [InlineData(12345, SocketError.SocketError)]
    public void ToSocketError_LinuxErrno_DotNetCode(int errno, SocketError expected)
        => Assert.Equal(expected, SocketSyscalls.ToSocketError(errno));

    private static async Task<(Socket Client, Socket Server)> ConnectedPairAsync()
    {
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(LoopbackHelpers.AnyPortV4);
        listen.Listen(1);
        var client = await LoopbackHelpers.ConnectAsync(listen.LocalEndPoint!);
        using var cts = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        return (client, await listen.AcceptAsync(cts.Token));
    }
}
