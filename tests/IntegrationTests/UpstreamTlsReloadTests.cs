using System.Net;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Upstream TLS across reloads: a cluster's CA file re-read on SIGHUP takes effect for new connections; a CA file that
/// no longer loads rejects the reload and the previous configuration keeps serving.
/// </summary>
public sealed class UpstreamTlsReloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _pki = null!;
    private NginxTlsUpstream _nginx = null!;
    private ProxyProcess _proxy = null!;
    private HttpClient _client = null!;

    private string LiveCa => Path.Combine(_pki.Directory, "live-upstream-ca.pem");

    public async Task InitializeAsync()
    {
        _pki = TestPkiFiles.Create();
        _nginx = await NginxTlsUpstream.StartAsync(_pki.ServerChain, _pki.ServerKey, _pki.ClientCa);
        File.Copy(_pki.ClientCa, LiveCa);
        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 2, "connect_seconds": 2, "response_seconds": 2, "drain_seconds": 2 },
              "clusters": { "app": { "endpoints": [ "{{_nginx.Endpoint}}" ], "tls": { "server_name": "localhost", "ca": "{{LiveCa}}" } } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
              "log": { "level": "information" }
            }
            """);
        _client = new HttpClient { BaseAddress = _proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _nginx.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task Sighup_CaFileNowTheUpstreamsCa_NewConnectionsVerifiedAgainstIt()
    {
        using (var refused = await _client.GetAsync(new Uri("/hello", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        }

        File.Copy(_pki.RootCa, LiveCa, overwrite: true);
        _proxy.Signal("HUP");
        Assert.True(await _proxy.WaitForOutputAsync("configuration reloaded"), _proxy.Output);

        var body = await _client.GetStringAsync(new Uri("/hello", UriKind.Relative));
        Assert.StartsWith("proto=TLSv1.3 sni=localhost ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sighup_CaFileBroken_ReloadRejectedNamingTheCluster()
    {
        await File.WriteAllTextAsync(LiveCa, "not a certificate\n");
        _proxy.Signal("HUP");

        Assert.True(await _proxy.WaitForOutputAsync("clusters.app.tls: CA file"), _proxy.Output);
    }
}
