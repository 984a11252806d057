using System.Net;
using System.Net.Sockets;
using FastProxy.Core.Transport;
using FastProxy.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Core.Tests.Transport;

/// <summary>The listener's flood limits: connections per client address, and the accept rate.</summary>
public sealed class ConnectionListenerLimitTests
{
    private const int TestTimeout = 30_000;

    private static ConnectionListener NewListener(int perAddress = 0, int acceptsPerSecond = 0) => new(
        new ConnectionListenerOptions
        {
            Endpoints = [LoopbackHelpers.AnyPortV4],
            MaxConnectionsPerAddress = perAddress,
            MaxAcceptsPerSecond = acceptsPerSecond,
        },
        TestHandlers.EchoAsync,
        NullLogger.Instance);

    [Fact(Timeout = TestTimeout)]
    public async Task MaxConnectionsPerAddress_Reached_NextConnectionFromThatAddressClosedAtOnce()
    {
        await using var listener = NewListener(perAddress: 2);
        await listener.StartAsync(CancellationToken.None);
        var endpoint = listener.BoundEndPoints[0];
        using var a = await EchoingAsync(endpoint, "a");
        using var b = await EchoingAsync(endpoint, "b");

        // Closed as soon as accepted: the reset can even beat the connect's own completion.
        Assert.Equal("", await ConnectAndReceiveOrResetAsync(endpoint));
        Assert.Equal(1, listener.RefusedPerAddress);
        Assert.Equal(2, listener.ActiveConnections);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MaxConnectionsPerAddress_OneClosed_AnotherFromThatAddressServed()
    {
        await using var listener = NewListener(perAddress: 1);
        await listener.StartAsync(CancellationToken.None);
        var endpoint = listener.BoundEndPoints[0];
        using (var first = await EchoingAsync(endpoint, "a"))
        {
            first.Shutdown(SocketShutdown.Both);
        }

        await LoopbackHelpers.WaitUntilAsync(() => listener.ActiveConnections == 0, "the first connection to close");
        using var second = await EchoingAsync(endpoint, "b");

        Assert.Equal(0, listener.RefusedPerAddress);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task MaxAcceptsPerSecond_Burst_ExcessWaitsButIsServed()
    {
        await using var listener = NewListener(acceptsPerSecond: 5);
        await listener.StartAsync(CancellationToken.None);
        var endpoint = listener.BoundEndPoints[0];

        // Five pass at once (one second's worth), the next five wait for tokens: about a second, all served.
        var started = DateTime.UtcNow;
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                clients.Add(await EchoingAsync(endpoint, "x"));
            }

            // The bucket refills while the clients connect one after another, so fewer than five may wait.
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(10));
            Assert.InRange(listener.AcceptsDelayed, 1, 6);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    public void Constructor_NegativeLimit_Refused(int perAddress, int acceptsPerSecond)
    {
        Assert.Throws<ArgumentException>(() => NewListener(perAddress, acceptsPerSecond));
    }

    private static async Task<Socket> EchoingAsync(IPEndPoint endpoint, string text)
    {
        var client = await LoopbackHelpers.ConnectAsync(endpoint);
        await LoopbackHelpers.SendAsync(client, text);
        Assert.Equal(text, await LoopbackHelpers.ReceiveExactlyAsync(client, text.Length));
        return client;
    }

    private static async Task<string> ConnectAndReceiveOrResetAsync(IPEndPoint endpoint)
    {
        try
        {
            using var client = await LoopbackHelpers.ConnectAsync(endpoint);
            return (await LoopbackHelpers.ReceiveToEndAsync(client)).Data;
        }
        catch (SocketException)
        {
            return "";
        }
    }
}
