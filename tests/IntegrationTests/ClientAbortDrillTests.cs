using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// A client that dies in the middle of its upload frees the upstream side at once: the proxy aborts the upstream
/// connection that holds the half-sent request instead of leaving it (and its file descriptors) to the upstream's
/// own timeout.
/// </summary>
public sealed class ClientAbortDrillTests
{
    private const int Uploads = 200;

    [Fact]
    public async Task UploadsAbortedMidBody_UpstreamConnectionsAndDescriptorsFreedAtOnce()
    {
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start(Uploads * 2);
        var open = 0;
        var accepting = AcceptAndHoldAsync(upstream, () => Interlocked.Increment(ref open), () => Interlocked.Decrement(ref open));

        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy($"127.0.0.1:{((IPEndPoint)upstream.LocalEndpoint).Port}", responseSeconds: 30));
        var baseline = DescriptorCount(proxy.Pid);

        for (var i = 0; i < Uploads; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, proxy.BaseAddress.Port);
            var stream = client.GetStream();
            var head = $"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(new byte[1024]);
            await stream.FlushAsync();

            // Let the proxy forward the head and the first bytes, then the client is gone (a reset, as a crash would).
            await WaitUntilAsync(() => Volatile.Read(ref open) > 0, TimeSpan.FromSeconds(5));
            client.Client.LingerState = new LingerOption(true, 0);
            client.Close();
        }

        // Long before the 30 s response timeout every upstream connection the uploads held is closed, and the proxy
        // holds about as many descriptors as before them (slack for threads and pools that grew meanwhile: the failure
        // this guards against leaked two per upload, 400 here).
        await WaitUntilAsync(() => Volatile.Read(ref open) == 0, TimeSpan.FromSeconds(5));
        Assert.Equal(0, Volatile.Read(ref open));
        await WaitUntilAsync(() => DescriptorCount(proxy.Pid) <= baseline + 16, TimeSpan.FromSeconds(5));
        Assert.InRange(DescriptorCount(proxy.Pid), 0, baseline + 16);

        upstream.Stop();
        await accepting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static int DescriptorCount(int pid) => System.IO.Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>An upstream that reads whatever it is sent and never answers; it counts the connections open to it.</summary>
    private static async Task AcceptAndHoldAsync(TcpListener listener, Action opened, Action closed)
    {
        var holders = new List<Task>();
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                await Task.WhenAll(holders);
                return;
            }

            opened();
            holders.Add(DrainAsync(socket, closed));
        }
    }

    private static async Task DrainAsync(Socket socket, Action closed)
    {
        using (socket)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (await socket.ReceiveAsync(buffer) > 0)
                {
                }
            }
            catch (SocketException)
            {
            }
        }

        closed();
    }
}
