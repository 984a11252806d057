using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace FastProxy.GrpcTestServer;

/// <summary>
/// The echo gRPC server on Kestrel: HTTP/2 only (h2c with prior knowledge, or TLS with ALPN h2 when given a
/// certificate), on loopback. Started in-process by the integration tests, or standalone by Program.
/// </summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoServer(WebApplication app, int port, ServerStats stats)
    {
        _app = app;
        Port = port;
        Stats = stats;
    }

    public int Port { get; }

    public ServerStats Stats { get; }

    /// <summary>Starts on 127.0.0.1:<paramref name="port"/> (0: any free port); with <paramref name="certificate"/> over TLS.</summary>
    public static async Task<EchoServer> StartAsync(int port = 0, X509Certificate2? certificate = null, IPAddress? address = null, X509Certificate2Collection? intermediates = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var stats = new ServerStats();
        builder.Services.AddSingleton(stats);
        builder.Services.AddGrpc(options =>
        {
            // 16 MiB each way: above the 1 MB message the tests send, bounded.
            options.MaxReceiveMessageSize = 16 * 1024 * 1024;
            options.MaxSendMessageSize = 16 * 1024 * 1024;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address ?? IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    // The intermediates go out with the leaf, so a client trusting only the root can verify the chain.
                    listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate, ServerCertificateChain = intermediates });
                }
            });
        });
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EchoServer(app, new Uri(bound).Port, stats);
    }

    public Task StopAsync() => _app.StopAsync();

    /// <summary>Stops at once: open connections are aborted mid-call (a crashed or killed upstream), not drained.</summary>
    public async Task AbortAsync()
    {
        await _app.StopAsync(new CancellationToken(canceled: true));
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
