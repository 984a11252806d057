using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FastProxy.GrpcTestServer;
using FastProxy.GrpcTestServer.Echo;
using FastProxy.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The peers launcher's <c>PEERS_GRPC_PREFIX</c> and <c>PEERS_UPSTREAM_H2C</c> (bench/load/fastproxy-peers.sh, as
/// ../shared/bench/peers/README.md documents them): a second route <c>grpc</c> on that prefix, POST only, the same JWT
/// and role rule as <c>api</c>, marked <c>grpc: true</c>, forwarded over h2c. These tests run the launcher with a
/// stand-in binary (<c>/bin/true</c>) so that only the configuration it writes is judged, then have the real
/// <c>fastproxy check</c> validate it; one test (trait NeedsH2Upstream) makes a real gRPC call through the launched proxy.
/// </summary>
public sealed class PeersLauncherGrpcTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _runDirectory = Directory.CreateTempSubdirectory("fastproxy-peers-grpc-").FullName;

    public void Dispose() => Directory.Delete(_runDirectory, recursive: true);

    [Fact]
    public async Task GrpcPrefix_SecondRouteOverH2cWithTheApiRule_ConfigChecks()
    {
        var config = await WriteConfigAsync(new(StringComparer.Ordinal) { ["PEERS_GRPC_PREFIX"] = "/echo.Echo/", ["PEERS_UPSTREAM_H2C"] = "http://127.0.0.1:19002" });

        var routes = config["routes"]!.AsArray();
        Assert.Equal(2, routes.Count);
        var grpc = routes[1]!;
        Assert.Equal("grpc", (string?)grpc["id"]);
        Assert.Equal("/echo.Echo/**", (string?)grpc["match"]!["path"]);
        Assert.Equal(["POST"], grpc["match"]!["methods"]!.AsArray().Select(m => (string?)m), StringComparer.Ordinal);
        Assert.True((bool)grpc["grpc"]!);
        Assert.Equal(routes[0]!["allow"]!.ToJsonString(), grpc["allow"]!.ToJsonString());
        var cluster = config["clusters"]![(string)grpc["cluster"]!]!;
        Assert.Equal("h2c", (string?)cluster["protocol"]);
        Assert.Equal(["127.0.0.1:19002"], cluster["endpoints"]!.AsArray().Select(e => (string?)e), StringComparer.Ordinal);
        Assert.Null(routes[0]!["grpc"]);

        var (exit, text) = await ProxyProcess.RunToEndAsync("check", "--config", Path.Combine(_runDirectory, "fastproxy.json"));
        Assert.True(exit == 0, text);
    }

    [Fact]
    public async Task GrpcPrefixWithoutH2cUpstream_DefaultsTo9002()
    {
        var config = await WriteConfigAsync(new(StringComparer.Ordinal) { ["PEERS_GRPC_PREFIX"] = "/echo.Echo" });

        var grpc = config["routes"]!.AsArray()[1]!;
        Assert.Equal("/echo.Echo/**", (string?)grpc["match"]!["path"]);
        Assert.Equal(["127.0.0.1:9002"], config["clusters"]![(string)grpc["cluster"]!]!["endpoints"]!.AsArray().Select(e => (string?)e), StringComparer.Ordinal);
    }

    [Fact]
    public async Task NoGrpcPrefix_OnlyTheApiRoute()
    {
        var config = await WriteConfigAsync(new(StringComparer.Ordinal) { ["PEERS_UPSTREAM_H2C"] = "http://127.0.0.1:19002" });

        Assert.Single(config["routes"]!.AsArray());
        Assert.Single(config["clusters"]!.AsObject());
    }

    [Theory]
    [InlineData("PEERS_GRPC_PREFIX", "echo.Echo/")]
    [InlineData("PEERS_UPSTREAM_H2C", "https://127.0.0.1:9003")]
    public async Task BadValue_LauncherRefusesWithAMessage(string name, string value)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["PEERS_GRPC_PREFIX"] = "/echo.Echo/", ["FASTPROXY_BINARY"] = "/bin/true" };
        environment[name] = value;
        using var launcher = PeersLauncher.Start(_runDirectory, environment);

        Assert.NotEqual(0, await launcher.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(name, launcher.Log, StringComparison.Ordinal);
    }

    /// <summary>After the HTTP/2 upstream side is merged: a real call through the launcher's proxy to the echo server.</summary>
    [Fact]
    [Trait("Category", "NeedsH2Upstream")]
    public async Task GrpcPrefix_CallThroughTheProxy_AllowedWithTokenRefusedWithout()
    {
        await using var server = await EchoServer.StartAsync();
        using var key = RSA.Create(2048);
        var publicKey = Path.Combine(_runDirectory, "pub.pem");
        await File.WriteAllTextAsync(publicKey, key.ExportSubjectPublicKeyInfoPem() + "\n");
        var h1 = PeersLauncher.FreePort();
        var h2c = PeersLauncher.FreePort();
        using var launcher = PeersLauncher.Start(_runDirectory, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["FASTPROXY_H1_PORT"] = h1.ToString(CultureInfo.InvariantCulture),
            ["FASTPROXY_H2C_PORT"] = h2c.ToString(CultureInfo.InvariantCulture),
            ["PEERS_UPSTREAM"] = "http://127.0.0.1:9",
            ["PEERS_PUBKEY"] = publicKey,
            ["PEERS_GRPC_PREFIX"] = "/echo.Echo/",
            ["PEERS_UPSTREAM_H2C"] = $"http://127.0.0.1:{server.Port}",
        });
        try
        {
            await launcher.WaitListeningAsync(h2c);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{h2c}");
            var client = new Echo.EchoClient(channel);

            var reply = await client.UnaryAsync(new EchoRequest { Message = "peers" }, new Metadata { { "authorization", "Bearer " + Token(key) } });
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new EchoRequest()));

            Assert.Equal("peers", reply.Message);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
        finally
        {
            output.WriteLine(launcher.Log);
        }
    }

    /// <summary>A token as the harness mints it: RS256, issuer https://idp.test, audience orders-api, role reader.</summary>
    private static string Token(RSA key)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://idp.test",
            Audience = "orders-api",
            Subject = new ClaimsIdentity([new Claim("sub", "peer")]),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal) { ["roles"] = new[] { "reader" } },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key), SecurityAlgorithms.RsaSha256),
        });
    }

    private async Task<JsonNode> WriteConfigAsync(Dictionary<string, string> environment)
    {
        using var key = RSA.Create(2048);
        var publicKey = Path.Combine(_runDirectory, "pub.pem");
        await File.WriteAllTextAsync(publicKey, key.ExportSubjectPublicKeyInfoPem() + "\n");
        environment["PEERS_PUBKEY"] = publicKey;
        environment["FASTPROXY_BINARY"] = "/bin/true";
        using var launcher = PeersLauncher.Start(_runDirectory, environment);
        var exit = await launcher.WaitForExitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine(launcher.Log);
        Assert.Equal(0, exit);
        return JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_runDirectory, "fastproxy.json")))!;
    }
}
