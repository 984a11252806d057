using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// A listener behind a load balancer (`proxy_protocol:`): the client address in the balancer's PROXY header is the one
/// the upstream is told (X-Forwarded-For) and the policy sees, only from trusted balancers, and a connection without a
/// valid header is closed. Independent senders: curl --haproxy-protocol (v1) and HAProxy send-proxy-v2 (v2).
/// </summary>
public sealed class ProxyProtocolTests
{
    private static string Config(string upstream, string trusted) => $$"""
        {
          "listeners": [ { "address": "127.0.0.1:0", "proxy_protocol": { "trusted": [ "{{trusted}}" ], "header_seconds": 2 } } ],
          "timeouts": { "header_seconds": 2, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 5 },
          "clusters": { "app": { "endpoints": [ "{{upstream}}" ] } },
          "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
          "log": { "level": "information" }
        }
        """;

    [Fact]
    public async Task V1HeaderFromATrustedPeer_ClientAddressIsTheHeaders()
    {
        await using var upstream = RecordingUpstream.Start();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint, "127.0.0.0/8"));

        var response = await SendRawAsync(proxy.BaseAddress.Port, "PROXY TCP4 203.0.113.7 127.0.0.1 56324 80\r\nGET /who HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("x-forwarded-for: 203.0.113.7\r\n", upstream.Received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CurlHaproxyProtocol_V1FromAnIndependentSender_Served()
    {
        await using var upstream = RecordingUpstream.Start();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint, "127.0.0.1"));

        var (exitCode, output) = await Curl.RunAsync("-sS", "--haproxy-protocol", "-o", "/dev/null", "-w", "%{http_code}", new Uri(proxy.BaseAddress, "/curl").ToString());

        Assert.True(exitCode == 0, output);
        Assert.Equal("200", output.Trim());
        Assert.Contains("x-forwarded-for: 127.0.0.1\r\n", upstream.Received, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HaproxySendProxyV2_V2FromAnIndependentBalancer_Served()
    {
        await using var upstream = RecordingUpstream.Start();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint, "127.0.0.1"));
        var haproxyPort = FreePort();
        var dir = Directory.CreateTempSubdirectory("fp-haproxy-");
        var config = Path.Combine(dir.FullName, "haproxy.cfg");
        await File.WriteAllTextAsync(config, $"""
            global
                nbthread 1
            defaults
                mode http
                timeout connect 5s
                timeout client 10s
                timeout server 10s
            frontend fe
                bind 127.0.0.1:{haproxyPort}
                default_backend be
            backend be
                server fp 127.0.0.1:{proxy.BaseAddress.Port} send-proxy-v2

            """);
        using var haproxy = Process.Start(new ProcessStartInfo("/usr/sbin/haproxy", ["-db", "-f", config]) { UseShellExecute = false, RedirectStandardError = true })!;
        var haproxyErrors = haproxy.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(await WaitForPortAsync(haproxyPort), "haproxy did not listen: " + (haproxy.HasExited ? await haproxyErrors : "(still running)"));
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{haproxyPort}") };
            using var response = await client.GetAsync("/through-haproxy");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("GET /through-haproxy", upstream.Received, StringComparison.Ordinal);
            Assert.Contains("x-forwarded-for: 127.0.0.1\r\n", upstream.Received, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            haproxy.Kill();
            await haproxy.WaitForExitAsync();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task HeaderFromAnUntrustedPeer_ClosedUnserved()
    {
        await using var upstream = RecordingUpstream.Start();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint, "10.0.0.0/8"));

        var response = await SendRawAsync(proxy.BaseAddress.Port, "PROXY TCP4 203.0.113.7 127.0.0.1 56324 80\r\nGET / HTTP/1.1\r\nHost: app\r\n\r\n");

        Assert.Equal("", response);
        Assert.True(await proxy.WaitForOutputAsync("takes PROXY protocol headers only from its trusted networks"), proxy.Output);
        Assert.Equal(0, upstream.Heads);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: app\r\n\r\n", "did not start with a PROXY protocol header")]
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 99999 80\r\nGET / HTTP/1.1\r\nHost: app\r\n\r\n", "invalid PROXY protocol header")]
    public async Task MissingOrInvalidHeader_ClosedUnserved(string bytes, string logged)
    {
        await using var upstream = RecordingUpstream.Start();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint, "127.0.0.1"));

        var response = await SendRawAsync(proxy.BaseAddress.Port, bytes);

        Assert.Equal("", response);
        Assert.True(await proxy.WaitForOutputAsync(logged), proxy.Output);
        Assert.Equal(0, upstream.Heads);
    }

    private static async Task<string> SendRawAsync(int port, string text)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            // The proxy may refuse the peer as soon as it accepts it: the reset can meet the connect or the send.
            await socket.ConnectAsync(IPAddress.Loopback, port);
            await socket.SendAsync(Encoding.ASCII.GetBytes(text));
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                await received.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (SocketException)
        {
            // A reset is how a refused connection ends.
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<bool> WaitForPortAsync(int port)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        return false;
    }
}
