using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>`fastproxy run --tls-cert/--tls-key` and the certificate checks of `fastproxy check`.</summary>
public sealed class TlsCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestPkiFiles _pki = TestPkiFiles.Create();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Run_TlsCertAndKeyFlags_ListenerServesTls()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.PublicProxy(upstream.Endpoint), "--tls-cert", _pki.ServerChain, "--tls-key", _pki.ServerKey);
        output.WriteLine(proxy.Output);

        Assert.Equal("https", proxy.BaseAddress.Scheme);
        var (exit, text) = await Curl.RunAsync("-sS", "--cacert", _pki.RootCa, $"https://127.0.0.1:{proxy.BaseAddress.Port}/hello");
        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream", text);
    }

    [Fact]
    public async Task Check_KeyOfAnotherCertificate_SaysSoAndFails()
    {
        var config = Path.Combine(_pki.Directory, "fastproxy.json");
        await File.WriteAllTextAsync(config, """
            {
              "listeners": [ { "address": "127.0.0.1:0", "tls": { "certificate": "server.pem", "key": "a-test.key" } } ],
              "clusters": { "app": { "endpoints": [ "127.0.0.1:9" ] } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ]
            }
            """);

        var (exit, text) = await ProxyProcess.RunToEndAsync("check", "--config", config);
        output.WriteLine(text);

        Assert.Equal(1, exit);
        Assert.Contains("listeners[0].tls:", text, StringComparison.Ordinal);
        Assert.Contains("key", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Check_ClusterCaUnreadable_SaysSoAndFails()
    {
        var config = Path.Combine(_pki.Directory, "fastproxy.json");
        await File.WriteAllTextAsync(config, """
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "clusters": { "app": { "endpoints": [ "127.0.0.1:9" ], "tls": { "ca": "missing-ca.pem" } } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ]
            }
            """);

        var (exit, text) = await ProxyProcess.RunToEndAsync("check", "--config", config);
        output.WriteLine(text);

        Assert.Equal(1, exit);
        Assert.Contains("clusters.app.tls.ca:", text, StringComparison.Ordinal);
        Assert.Contains("missing-ca.pem", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ClusterCaAndClientCertificate_Valid()
    {
        var config = Path.Combine(_pki.Directory, "fastproxy.json");
        await File.WriteAllTextAsync(config, """
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "clusters": { "app": { "endpoints": [ "127.0.0.1:9" ],
                "tls": { "server_name": "localhost", "ca": "ca.pem", "client_certificate": "client.pem", "client_key": "client.key" } } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ]
            }
            """);

        var (exit, text) = await ProxyProcess.RunToEndAsync("check", "--config", config);
        output.WriteLine(text);

        Assert.True(exit == 0, text);
        Assert.Contains("configuration is valid", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_GoodCertificatesRelativeToConfig_Valid()
    {
        var config = Path.Combine(_pki.Directory, "fastproxy.json");
        await File.WriteAllTextAsync(config, """
            {
              "listeners": [ { "address": "127.0.0.1:0", "tls": { "certificate": "server.pem", "key": "server.key",
                "sni": [ { "certificate": "a-test.pem", "key": "a-test.key" } ] } } ],
              "clusters": { "app": { "endpoints": [ "127.0.0.1:9" ] } },
              "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ]
            }
            """);

        var (exit, text) = await ProxyProcess.RunToEndAsync("check", "--config", config);
        output.WriteLine(text);

        Assert.True(exit == 0, text);
        Assert.Contains("configuration is valid", text, StringComparison.Ordinal);
    }
}
