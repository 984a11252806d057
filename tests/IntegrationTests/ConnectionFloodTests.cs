using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// One address opening connections without end cannot take the proxy's connection budget: past
/// limits.max_connections_per_address its connections are closed as soon as accepted (logged, counted), and the
/// address is served again once it has fewer open.
/// </summary>
public sealed partial class ConnectionFloodTests
{
    [Fact]
    public async Task FloodFromOneAddress_PastThePerAddressLimit_ClosedAtAcceptAndCounted()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var config = TestConfigs.PublicProxy(upstream.Endpoint)
            .Replace("\"listeners\": [ { \"address\": \"127.0.0.1:0\" } ],", "\"listeners\": [ { \"address\": \"127.0.0.1:0\" } ], \"admin\": { \"address\": \"127.0.0.1:0\" }, \"limits\": { \"max_connections_per_address\": 5 },", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);

        var held = new List<Socket>();
        using var adminClient = new HttpClient();
        try
        {
            for (var i = 0; i < 25; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                held.Add(socket);
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, proxy.BaseAddress.Port);
                }
                catch (SocketException)
                {
                    // Refused at accept so fast that the reset beat the connect's own completion: counted all the same.
                }
            }

            Assert.True(await proxy.WaitForOutputAsync("it already has 5 connections open (max_connections_per_address"), proxy.Output);
            var admin = AdminLine().Match(proxy.Output);
            Assert.True(admin.Success, proxy.Output);

            // The admin listener is not a proxy listener: its scrape is not limited. 20 of the 25 were refused.
            adminClient.BaseAddress = new Uri(admin.Groups["url"].Value);
            const string expected = "fastproxy_connections_refused_total{reason=\"per_address\"} 20\n";
            var metrics = "";
            for (var attempt = 0; attempt < 50 && !metrics.Contains(expected, StringComparison.Ordinal); attempt++)
            {
                await Task.Delay(100);
                metrics = await adminClient.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            }

            Assert.Contains(expected, metrics, StringComparison.Ordinal);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }

        // Once its connections are gone (the proxy saw them close) the address is served again.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var metrics = await adminClient.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            if (metrics.Contains("fastproxy_active_connections 0\n", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }

        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        Assert.Equal("hello from upstream", await client.GetStringAsync("/hello"));
    }

    [GeneratedRegex(@"^fastproxy: admin on (?<url>http://\S+)", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdminLine();
}
