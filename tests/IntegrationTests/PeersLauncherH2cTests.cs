using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using FastProxy.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The peers launcher's <c>FASTPROXY_H2C_PORT</c> (bench/load/fastproxy-peers.sh): its own h2c listener, the same port
/// as <c>FASTPROXY_H1_PORT</c> (that listener then serves both), or 0 (none). The api route is gated as the harness
/// runs it: an RS256 token from the static key <c>PEERS_PUBKEY</c> with role reader.
/// </summary>
public sealed class PeersLauncherH2cTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly RSA _key = RSA.Create(2048);
    private TestUpstream _upstream = null!;
    private string _runDirectory = null!;
    private string _publicKey = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _runDirectory = Directory.CreateTempSubdirectory("fastproxy-peers-h2c-").FullName;
        _publicKey = Path.Combine(_runDirectory, "pub.pem");
        await File.WriteAllTextAsync(_publicKey, _key.ExportSubjectPublicKeyInfoPem() + "\n");
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _key.Dispose();
        Directory.Delete(_runDirectory, recursive: true);
    }

    [Fact]
    public async Task OwnH2cPort_PriorKnowledgeWithToken_200_WithoutToken_401_Http11PortStillHttp1()
    {
        var h1 = PeersLauncher.FreePort();
        var h2c = PeersLauncher.FreePort();
        using var launcher = Start(h1, h2c);
        try
        {
            await launcher.WaitListeningAsync(h2c);

            Assert.Equal("hello from upstream\n2 200", await CurlAsync("--http2-prior-knowledge", h2c, Token()));
            Assert.EndsWith("\n2 401", await CurlAsync("--http2-prior-knowledge", h2c, token: null), StringComparison.Ordinal);
            Assert.Equal("hello from upstream\n1.1 200", await CurlAsync("--http1.1", h1, Token()));
            var (exit, _) = await Curl.RunAsync("-sS", "--http2-prior-knowledge", "-H", "Authorization: Bearer " + Token(), $"http://127.0.0.1:{h1}/api/hello");
            Assert.NotEqual(0, exit);
            Assert.Contains("\"protocol\": \"h2c\"", await File.ReadAllTextAsync(Path.Combine(_runDirectory, "fastproxy.json")), StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(launcher.Log);
        }
    }

    [Fact]
    public async Task SameAsH1Port_OneListenerServesBoth()
    {
        var port = PeersLauncher.FreePort();
        using var launcher = Start(port, port);
        try
        {
            await launcher.WaitListeningAsync(port);

            Assert.Equal("hello from upstream\n2 200", await CurlAsync("--http2-prior-knowledge", port, Token()));
            Assert.Equal("hello from upstream\n1.1 200", await CurlAsync("--http1.1", port, Token()));
            var config = await File.ReadAllTextAsync(Path.Combine(_runDirectory, "fastproxy.json"));
            Assert.Contains("\"protocol\": \"auto\"", config, StringComparison.Ordinal);
            Assert.DoesNotContain("\"protocol\": \"h2c\"", config, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(launcher.Log);
        }
    }

    [Fact]
    public async Task Zero_NoHttp2Listener_Http11Served()
    {
        var port = PeersLauncher.FreePort();
        using var launcher = Start(port, 0);
        try
        {
            await launcher.WaitListeningAsync(port);

            Assert.Equal("hello from upstream\n1.1 200", await CurlAsync("--http1.1", port, Token()));
            var (exit, _) = await Curl.RunAsync("-sS", "--http2-prior-knowledge", "-H", "Authorization: Bearer " + Token(), $"http://127.0.0.1:{port}/api/hello");
            Assert.NotEqual(0, exit);
            var config = await File.ReadAllTextAsync(Path.Combine(_runDirectory, "fastproxy.json"));
            Assert.Contains("\"protocol\": \"http1\"", config, StringComparison.Ordinal);
            Assert.DoesNotContain("\"protocol\": \"h2c\"", config, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(launcher.Log);
        }
    }

    private static async Task<string> CurlAsync(string version, int port, string? token)
    {
        string[] auth = token is null ? [] : ["-H", "Authorization: Bearer " + token];
        var (exit, text) = await Curl.RunAsync(["-sS", version, .. auth, "-w", "\n%{http_version} %{http_code}", $"http://127.0.0.1:{port}/api/hello"]);
        Assert.True(exit == 0, text);
        return text;
    }

    private PeersLauncher Start(int h1Port, int h2cPort) => PeersLauncher.Start(_runDirectory, new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["FASTPROXY_H1_PORT"] = h1Port.ToString(CultureInfo.InvariantCulture),
        ["FASTPROXY_H2C_PORT"] = h2cPort.ToString(CultureInfo.InvariantCulture),
        ["PEERS_UPSTREAM"] = $"http://{_upstream.Endpoint}",
        ["PEERS_PUBKEY"] = _publicKey,
    });

    /// <summary>A token as the harness mints it: RS256, issuer https://idp.test, audience orders-api, role reader.</summary>
    private string Token()
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
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_key), SecurityAlgorithms.RsaSha256),
        });
    }
}
