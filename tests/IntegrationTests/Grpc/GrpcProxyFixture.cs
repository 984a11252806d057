using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using FastProxy.GrpcTestServer;
using FastProxy.GrpcTestServer.Echo;
using FastProxy.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.IntegrationTests.Grpc;

/// <summary>
/// The gRPC scenario: the echo test server (h2c) behind the real proxy, cluster <c>protocol: h2c</c>, route
/// <c>grpc: true</c> on <c>/echo.Echo/**</c> (POST) needing an RS256 token with role <c>reader</c>; a second route to
/// a cluster nobody listens on (<c>/down.Down/**</c>, for UNAVAILABLE); a per-connection request rate
/// (<see cref="RequestsPerConnectionPerSecond"/>) for RESOURCE_EXHAUSTED. With <c>FASTPROXY_GRPC_DIRECT=1</c> the
/// clients talk to the test server directly instead (<see cref="Direct"/>): that proves the tests themselves right
/// without the HTTP/2 upstream side of the proxy; tests of what only the proxy does check <see cref="Direct"/> first.
/// </summary>
public sealed class GrpcProxyFixture : IAsyncLifetime
{
    /// <summary>Route response timeout: below the deadline the proxy test gives, so the proxy's deadline fires first.</summary>
    public const int ResponseSeconds = 2;

    /// <summary>limits.max_body_bytes: above the 1 MB message, below what the RESOURCE_EXHAUSTED test sends.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>limits.max_requests_per_connection_per_second (and twice that as the burst): far above what any other test starts on one connection.</summary>
    public const int RequestsPerConnectionPerSecond = 20;

    /// <summary>Message size limit of the channels (the test server's own limit is 16 MiB).</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    private readonly RSA _key = RSA.Create(2048);
    private string _directory = null!;

    public static bool Direct => string.Equals(Environment.GetEnvironmentVariable("FASTPROXY_GRPC_DIRECT"), "1", StringComparison.Ordinal);

    public EchoServer Server { get; private set; } = null!;

    public ProxyProcess? Proxy { get; private set; }

    /// <summary>Where clients connect: the proxy, or the test server in direct mode.</summary>
    public int Port => Proxy?.BaseAddress.Port ?? Server.Port;

    public string Address => $"http://127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        Server = await EchoServer.StartAsync();
        if (Direct)
        {
            return;
        }

        _directory = Directory.CreateTempSubdirectory("fastproxy-grpc-").FullName;
        var publicKey = Path.Combine(_directory, "pub.pem");
        await File.WriteAllTextAsync(publicKey, _key.ExportSubjectPublicKeyInfoPem() + "\n");
        Proxy = await ProxyProcess.StartAsync(Config(Server.Port, ClosedPort(), publicKey));
    }

    public async Task DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        await Server.DisposeAsync();
        _key.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Aborts the test server (open calls cut off) and starts a new one on the same port (an upstream restart).</summary>
    public async Task RestartServerAsync()
    {
        var port = Server.Port;
        await Server.AbortAsync();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Server = await EchoServer.StartAsync(port);
                return;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException && attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    public GrpcChannel Channel() => GrpcChannel.ForAddress(Address, new GrpcChannelOptions
    {
        MaxReceiveMessageSize = MaxMessageBytes,
        MaxSendMessageSize = MaxMessageBytes,
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    });

    public Echo.EchoClient Client() => new(Channel());

    /// <summary>Metadata with a bearer token carrying <paramref name="role"/> (null: no Authorization at all).</summary>
    public Metadata Auth(string? role = "reader")
    {
        var metadata = new Metadata();
        if (role is not null)
        {
            metadata.Add("authorization", "Bearer " + Token(role));
        }

        return metadata;
    }

    public string Token(string role = "reader")
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://idp.test",
            Audience = "orders-api",
            Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal) { ["roles"] = new[] { role } },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(30),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_key), SecurityAlgorithms.RsaSha256),
        });
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Config(int upstreamPort, int downPort, string publicKey) => $$"""
        {
          "listeners": [ { "address": "127.0.0.1:0", "protocol": "auto" } ],
          "limits": {
            "max_body_bytes": {{MaxBodyBytes.ToString(CultureInfo.InvariantCulture)}},
            "max_requests_per_connection_per_second": {{RequestsPerConnectionPerSecond.ToString(CultureInfo.InvariantCulture)}},
            "request_burst_per_connection": {{(2 * RequestsPerConnectionPerSecond).ToString(CultureInfo.InvariantCulture)}}
          },
          "timeouts": { "header_seconds": 5, "idle_seconds": 30, "connect_seconds": 2, "response_seconds": {{ResponseSeconds.ToString(CultureInfo.InvariantCulture)}}, "drain_seconds": 2 },
          "clusters": {
            "echo": { "endpoints": [ "127.0.0.1:{{upstreamPort.ToString(CultureInfo.InvariantCulture)}}" ], "protocol": "h2c", "eject_after_failures": 1000 },
            "down": { "endpoints": [ "127.0.0.1:{{downPort.ToString(CultureInfo.InvariantCulture)}}" ], "protocol": "h2c" }
          },
          "identity": {
            "providers": [ { "name": "test", "issuer": "https://idp.test", "audiences": [ "orders-api" ], "keys": [ "{{publicKey}}" ], "algorithms": [ "RS256" ] } ]
          },
          "routes": [
            { "id": "echo", "match": { "path": "/echo.Echo/**", "methods": [ "POST" ] }, "cluster": "echo", "grpc": true,
              "allow": [ { "claim": "roles", "contains": "reader" } ] },
            { "id": "down", "match": { "path": "/down.Down/**", "methods": [ "POST" ] }, "cluster": "down", "grpc": true,
              "allow": [ { "claim": "roles", "contains": "reader" } ] }
          ],
          "log": { "level": "information" }
        }
        """;
}
