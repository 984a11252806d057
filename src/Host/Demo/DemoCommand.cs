using System.Net;
using FastProxy.Core.Transport;
using FastProxy.Host.Cli;
using FastProxy.Host.Config;
using FastProxy.Host.Proxy;
using FastProxy.Policy.Config;
using Microsoft.Extensions.Logging;

namespace FastProxy.Host.Demo;

/// <summary>
/// `fastproxy demo`: the proxy in front of an in-process echo service, guarded by an in-process
/// identity provider, with a policy that shows each kind of answer. Prints what to curl.
/// </summary>
internal static class DemoCommand
{
    public static FastProxyConfig BuildConfig(string listen, IPEndPoint services, string issuer) => new()
    {
        // auto: HTTP/1.1 and HTTP/2 with prior knowledge on the one port.
        Listeners = [new ListenerConfig { Address = listen, Protocol = ListenerProtocols.Auto }],
        Clusters = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal)
        {
            ["demo"] = new ClusterConfig { Endpoints = [services.ToString()] },
        },
        Identity = new IdentityConfig
        {
            Providers =
            [
                new IdentityProviderConfig
                {
                    Name = "demo-idp",
                    Issuer = issuer,
                    Audiences = [DemoIdentityProvider.Audience],
                    Discovery = true,
                    Algorithms = ["RS256"],
                },
            ],
        },
        Routes =
        [
            new RouteConfig
            {
                Id = "public-hello",
                Match = new RouteMatchConfig { Path = "/public/**" },
                Cluster = "demo",
                Public = true,
            },
            new RouteConfig
            {
                Id = "orders-read",
                Match = new RouteMatchConfig { Path = "/api/orders/**", Methods = ["GET", "HEAD"] },
                Cluster = "demo",
                Allow = [new RuleConfig { Claim = "roles", Contains = "orders.read" }],
                UpstreamIdentity = new UpstreamIdentityConfig
                {
                    Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["x-user"] = "sub" },
                    ForwardAuthorization = false,
                },
            },
        ],
    };

    public static async Task<int> RunAsync(string listen, ILoggerFactory loggers, CancellationToken stop)
    {
        using var idp = new DemoIdentityProvider();
        var logger = loggers.CreateLogger("FastProxy.Demo");
        await using var services = await DemoUpstream.StartAsync(idp, new SocketConnectionOptions(), logger, stop);
        idp.Bind(services.EndPoint);

        var config = BuildConfig(listen, services.EndPoint, idp.Issuer);
        await using var host = await ProxyHost.StartAsync(config, new ProxyHostOptions(), loggers, stop);
        var proxy = host.BoundEndPoints[0];
        var allowed = idp.MintToken("alice", ["orders.read"], TimeProvider.System);
        var refused = idp.MintToken("bob", ["orders.write"], TimeProvider.System);

        CliOutput.WriteLine($"""
            FastProxy demo: proxy on http://{proxy}, demo service + identity provider on http://{services.EndPoint}

            Public route (no token needed):
              curl -i http://{proxy}/public/hello

            No token on a protected route -> 401:
              curl -i http://{proxy}/api/orders/7

            Alice has role orders.read -> 200 (the service sees x-user: alice):
              curl -i -H 'Authorization: Bearer {allowed}' http://{proxy}/api/orders/7

            Bob lacks the role -> 403:
              curl -i -H 'Authorization: Bearer {refused}' http://{proxy}/api/orders/7

            Unknown path -> 404:
              curl -i http://{proxy}/nowhere

            The same over HTTP/2 (prior knowledge, same port and gate):
              curl -i --http2-prior-knowledge -H 'Authorization: Bearer {allowed}' http://{proxy}/api/orders/7

            Press Ctrl+C to stop.
            """);

        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C / SIGTERM: fall through to the drain.
        }

        await host.StopAsync();
        return 0;
    }
}
