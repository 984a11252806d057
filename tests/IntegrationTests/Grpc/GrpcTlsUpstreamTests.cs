using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.GrpcTestServer;
using FastProxy.GrpcTestServer.Echo;
using FastProxy.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests.Grpc;

/// <summary>
/// Cluster <c>protocol: h2</c>: HTTP/2 over TLS to the echo test server, its certificate (test-generated, SAN localhost
/// and 127.0.0.1) verified against the test CA and ALPN h2 required. The client speaks h2c to the proxy. With
/// FASTPROXY_GRPC_DIRECT=1 the client calls the TLS test server directly, trusting the same CA.
/// </summary>
[Trait("Category", "NeedsH2Upstream")]
public sealed class GrpcTlsUpstreamTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _pki = null!;
    private EchoServer _server = null!;
    private ProxyProcess? _proxy;

    public async Task InitializeAsync()
    {
        _pki = TestPkiFiles.Create();
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(_pki.ServerChain);
        var leaf = X509Certificate2.CreateFromPemFile(_pki.ServerChain, _pki.ServerKey);
        chain.RemoveAt(0);
        _server = await EchoServer.StartAsync(certificate: leaf, intermediates: chain);
        if (GrpcProxyFixture.Direct)
        {
            return;
        }

        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [ { "address": "127.0.0.1:0", "protocol": "h2c" } ],
              "timeouts": { "connect_seconds": 3, "response_seconds": 10 },
              "clusters": {
                "echo": { "endpoints": [ "127.0.0.1:{{_server.Port.ToString(CultureInfo.InvariantCulture)}}" ], "protocol": "h2",
                          "tls": { "server_name": "localhost", "ca": "{{_pki.RootCa}}" } }
              },
              "routes": [ { "id": "echo", "match": { "path": "/echo.Echo/**", "methods": [ "POST" ] }, "cluster": "echo", "grpc": true, "public": true } ],
              "log": { "level": "information" }
            }
            """);
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            output.WriteLine(_proxy.Output);
            await _proxy.DisposeAsync();
        }

        await _server.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task H2OverTls_UnaryAndServerStream_Ok()
    {
        using var channel = Channel();
        var client = new Echo.EchoClient(channel);

        var reply = await client.UnaryAsync(new EchoRequest { Message = "over tls" });
        using var stream = client.ServerStream(new EchoRequest { Responses = 120 });
        var count = 0;
        await foreach (var _ in stream.ResponseStream.ReadAllAsync())
        {
            count++;
        }

        Assert.Equal("over tls", reply.Message);
        Assert.Equal(120, count);
    }

    private GrpcChannel Channel()
    {
        if (_proxy is not null)
        {
            return GrpcChannel.ForAddress($"http://127.0.0.1:{_proxy.BaseAddress.Port}");
        }

        var policy = _pki.CustomTrustPolicy();
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy, TargetHost = "localhost" },
        };
        return GrpcChannel.ForAddress($"https://127.0.0.1:{_server.Port}", new GrpcChannelOptions { HttpHandler = handler });
    }
}
