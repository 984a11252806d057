using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tests.Common;
using FastProxy.Tls.Server;

namespace FastProxy.Tls.Tests;

/// <summary>
/// Runs real SslStream handshakes over a loopback TCP connection (ephemeral port): the server
/// side with our options, the client side with whatever a test gives it.
/// </summary>
internal static class TlsLoopback
{
    /// <summary>A connected pair of network streams.</summary>
    public static async Task<(NetworkStream Server, NetworkStream Client)> ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient { NoDelay = true };
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accept.WaitAsync(LoopbackHelpers.StepTimeout);
        return (server.GetStream(), client.GetStream());
    }

    /// <summary>
    /// Runs both sides of a handshake, the server through <paramref name="serverHandshake"/>.
    /// A failing side is disposed so the other one sees EOF instead of waiting.
    /// </summary>
    public static async Task<HandshakeResult> HandshakeAsync(Func<SslStream, CancellationToken, Task> serverHandshake, SslClientAuthenticationOptions clientOptions)
    {
        var (serverStream, clientStream) = await ConnectAsync();
        var server = new SslStream(serverStream, leaveInnerStreamOpen: false);
        var client = new SslStream(clientStream, leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        var serverTask = RunAsync(server, s => serverHandshake(s, timeout.Token));
        var clientTask = RunAsync(client, c => c.AuthenticateAsClientAsync(clientOptions, timeout.Token));
        await Task.WhenAll(serverTask, clientTask);
        var result = new HandshakeResult(server, client, await serverTask, await clientTask);
        if (result.ServerError is null && result.ClientError is null)
        {
            // In TLS 1.3 the server checks the client certificate after the client has finished;
            // one round trip makes a refusal visible to both sides.
            await ExchangeAsync(result);
        }

        return result;
    }

    /// <summary>A handshake whose server options the factory selects per ClientHello.</summary>
    public static Task<HandshakeResult> HandshakeAsync(ServerTlsOptionsFactory factory, SslClientAuthenticationOptions clientOptions) =>
        HandshakeAsync((s, token) => s.AuthenticateAsServerAsync(ServerTlsOptionsFactory.SelectionCallback, factory, token), clientOptions);

    /// <summary>Client options that trust only <paramref name="root"/> and send <paramref name="serverName"/> as SNI.</summary>
    public static SslClientAuthenticationOptions ClientTrusting(X509Certificate2 root, string serverName, X509Certificate2? clientCertificate = null, params SslApplicationProtocol[] alpn)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(root);
        return new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            CertificateChainPolicy = policy,
            ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
            ApplicationProtocols = alpn.Length == 0 ? null : [.. alpn],
        };
    }

    private static async Task<Exception?> RunAsync(SslStream stream, Func<SslStream, Task> handshake)
    {
        try
        {
            await handshake(stream);
            return null;
        }
        catch (Exception ex)
        {
            await stream.DisposeAsync();
            return ex;
        }
    }

    private static async Task ExchangeAsync(HandshakeResult result)
    {
        using var timeout = new CancellationTokenSource(LoopbackHelpers.StepTimeout);
        var buffer = new byte[1];
        try
        {
            await result.Client.WriteAsync(new byte[] { 42 }, timeout.Token);
            await result.Server.ReadExactlyAsync(buffer, timeout.Token);
            await result.Server.WriteAsync(new byte[] { 43 }, timeout.Token);
            await result.Client.ReadExactlyAsync(buffer, timeout.Token);
        }
        catch (Exception ex)
        {
            result.ExchangeError = ex;
        }
    }
}
