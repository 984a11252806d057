using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Certificate reload on SIGHUP or when the files change: renewed files serve new handshakes while requests keep
/// flowing, and a broken file keeps the previous certificate serving.
/// </summary>
public sealed class TlsReloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _first = null!;
    private TestPkiFiles _second = null!;
    private string _live = null!;
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;

    private string LiveCert => Path.Combine(_live, "live.pem");

    private string LiveKey => Path.Combine(_live, "live.key");

    public async Task InitializeAsync()
    {
        _first = TestPkiFiles.Create();
        _second = TestPkiFiles.Create();
        _live = Path.Combine(Path.GetTempPath(), "fastproxy-live-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_live);
        File.Copy(_first.ServerChain, LiveCert);
        File.Copy(_first.ServerKey, LiveKey);
        _upstream = await TestUpstream.StartAsync();
        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [ { "address": "127.0.0.1:0", "tls": { "certificate": "{{LiveCert}}", "key": "{{LiveKey}}" } } ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 2 },
              "clusters": { "app": { "endpoints": [ "{{_upstream.Endpoint}}" ] } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
              "log": { "level": "information" }
            }
            """);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
        _first.Dispose();
        _second.Dispose();
        Directory.Delete(_live, recursive: true);
    }

    [Fact]
    public async Task Sighup_RenewedCertificate_ServedToNewConnections_NoRequestLost()
    {
        Assert.Equal(0, (await CurlAsync(_first.RootCa)).ExitCode);
        Assert.NotEqual(0, (await CurlAsync(_second.RootCa)).ExitCode);

        // Load across the reload: new connections for every request (each one a handshake), trusting both roots.
        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => LoadAsync(stop.Token));
        await Task.Delay(300);

        File.Copy(_second.ServerChain, LiveCert, overwrite: true);
        File.Copy(_second.ServerKey, LiveKey, overwrite: true);
        _proxy.Signal("HUP");
        Assert.True(await _proxy.WaitForOutputAsync("configuration reloaded"), _proxy.Output);
        await Task.Delay(300);
        await stop.CancelAsync();
        var (served, failed) = await load;

        Assert.True(served > 0);
        Assert.Equal(0, failed);
        Assert.Equal(0, (await CurlAsync(_second.RootCa)).ExitCode);
        Assert.NotEqual(0, (await CurlAsync(_first.RootCa)).ExitCode);
    }

    [Fact]
    public async Task Sighup_BrokenKeyFile_PreviousCertificateKeepsServing()
    {
        await File.WriteAllTextAsync(LiveKey, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        _proxy.Signal("HUP");

        Assert.True(await _proxy.WaitForOutputAsync("TLS certificates not reloaded"), _proxy.Output);
        var (exit, text) = await CurlAsync(_first.RootCa);
        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream", text);
    }

    [Fact]
    public async Task FileChange_RenewedCertificate_ServedWithoutASignal()
    {
        // The proxy watches the files its configuration names, not only the configuration file.
        File.Copy(_second.ServerChain, LiveCert, overwrite: true);
        File.Copy(_second.ServerKey, LiveKey, overwrite: true);

        Assert.True(await _proxy.WaitForOutputAsync("configuration reloaded"), _proxy.Output);
        Assert.Equal(0, (await CurlAsync(_second.RootCa)).ExitCode);
        Assert.NotEqual(0, (await CurlAsync(_first.RootCa)).ExitCode);
    }

    private Task<(int ExitCode, string Output)> CurlAsync(string ca) =>
        Curl.RunAsync("-sS", "--cacert", ca, $"https://127.0.0.1:{_proxy.BaseAddress.Port}/hello");

    private async Task<(int Served, int Failed)> LoadAsync(CancellationToken stop)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.ImportFromPemFile(_first.RootCa);
        policy.CustomTrustStore.ImportFromPemFile(_second.RootCa);
        var served = 0;
        var failed = 0;
        while (!stop.IsCancellationRequested)
        {
            using var handler = new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy } };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                using var response = await client.GetAsync(new Uri($"https://127.0.0.1:{_proxy.BaseAddress.Port}/hello"), CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    served++;
                }
                else
                {
                    failed++;
                }
            }
            catch (HttpRequestException ex)
            {
                output.WriteLine($"request failed: {ex}");
                failed++;
            }
        }

        return (served, failed);
    }
}
