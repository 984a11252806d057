using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// mTLS end to end: a listener that requires a client certificate and one where it is optional, both trusting only the
/// test client CA; the verified certificate's URI SAN (a SPIFFE ID) decides a <c>client_cert</c> rule.
/// </summary>
public sealed partial class MutualTlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestPkiFiles _pki = null!;
    private TestUpstream _upstream = null!;
    private ProxyProcess _proxy = null!;
    private int _requiredPort;
    private int _optionalPort;

    public async Task InitializeAsync()
    {
        _pki = TestPkiFiles.Create();
        _upstream = await TestUpstream.StartAsync();
        var tls = $$"""
            "certificate": "{{_pki.ServerChain}}", "key": "{{_pki.ServerKey}}", "client_ca": "{{_pki.ClientCa}}"
            """;
        _proxy = await ProxyProcess.StartAsync($$"""
            {
              "listeners": [
                { "address": "127.0.0.1:0", "protocol": "auto", "tls": { {{tls}}, "client_certificate": "required" } },
                { "address": "127.0.0.1:0", "tls": { {{tls}}, "client_certificate": "optional" } }
              ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 2 },
              "clusters": { "app": { "endpoints": [ "{{_upstream.Endpoint}}" ] } },
              "routes": [
                { "id": "public", "match": { "path": "/public/**" }, "cluster": "app", "public": true },
                { "id": "xfcc", "match": { "path": "/headers" }, "cluster": "app", "public": true, "forward_client_cert": true },
                { "id": "api", "match": { "path": "/api/**" }, "cluster": "app", "public": true,
                  "allow": [ { "client_cert": { "uri_san": "{{TestPkiFiles.ClientSpiffeId}}" } } ] }
              ],
              "log": { "level": "information" }
            }
            """);
        // The process is returned once it announced its first listener; the second line may still be on its way.
        var ports = new List<int>();
        for (var attempt = 0; attempt < 200 && ports.Count < 2; attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 50);
            ports = [.. ListeningLine().Matches(_proxy.Output).Select(m => int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture))];
        }

        Assert.True(ports.Count == 2, _proxy.Output);
        (_requiredPort, _optionalPort) = (ports[0], ports[1]);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_proxy.Output);
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task Curl_ClientCertWithAllowedSpiffeId_Served()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--cacert", _pki.RootCa, "--cert", _pki.ClientCert, "--key", _pki.ClientKey, $"https://127.0.0.1:{_requiredPort}/api/hello");

        Assert.True(exit == 0, text);
        Assert.Equal("hello from upstream", text);
    }

    [Fact]
    public async Task Curl_ClientCertWithOtherSpiffeId_Denied403()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", _pki.RootCa,
            "--cert", _pki.OtherClientCert, "--key", _pki.OtherClientKey, $"https://127.0.0.1:{_requiredPort}/api/hello");

        Assert.True(exit == 0, text);
        Assert.Equal("403", text);
    }

    [Fact]
    public async Task AuditRecord_VerifiedClientCertificate_NamesFingerprintAndUriSan()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--cacert", _pki.RootCa, "--cert", _pki.ClientCert, "--key", _pki.ClientKey, $"https://127.0.0.1:{_requiredPort}/api/audited");
        Assert.True(exit == 0, text);

        // No audit section: the default file sink next to the configuration; SIGTERM drains it.
        _proxy.Signal("TERM");
        Assert.Equal(0, await _proxy.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var lines = await File.ReadAllLinesAsync(Path.Combine(_proxy.Directory, "audit", "fastproxy-audit.jsonl"));
        var record = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Single(r => r.TryGetProperty("path", out var path) && string.Equals(path.GetString(), "/api/audited", StringComparison.Ordinal));

        var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_pki.ClientCertificate.RawData));
        Assert.Equal(fingerprint, record.GetProperty("client_cert_sha256").GetString());
        Assert.Equal([TestPkiFiles.ClientSpiffeId], record.GetProperty("client_cert_uri_sans").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.StartsWith("CN=", record.GetProperty("client_cert").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClient_WithClientCertificate_Served()
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = _pki.CustomTrustPolicy(),
                ClientCertificates = new X509CertificateCollection { _pki.ClientCertificate },
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };

        var body = await client.GetStringAsync(new Uri($"https://127.0.0.1:{_requiredPort}/api/hello"));

        Assert.Equal("hello from upstream", body);
    }

    [Fact]
    public async Task SClient_Required_NoCertificate_Refused()
    {
        var (_, text) = await OpenSsl.SClientAsync(_requiredPort, "GET /public/headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "-ign_eof", "-CAfile", _pki.RootCa);

        Assert.DoesNotContain("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.True(await _proxy.WaitForOutputAsync("TLS handshake failed", TimeSpan.FromSeconds(30)), text + "\n---\n" + _proxy.Output);
    }

    [Fact]
    public async Task SClient_Required_CertificateOfAnotherCa_Refused()
    {
        var (_, text) = await OpenSsl.SClientAsync(_requiredPort, "GET /public/headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "-ign_eof", "-CAfile", _pki.RootCa,
            "-cert", _pki.ForeignClientCert, "-key", _pki.ForeignClientKey);

        Assert.DoesNotContain("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.True(await _proxy.WaitForOutputAsync("TLS client certificate rejected"), _proxy.Output);
    }

    [Fact]
    public async Task SClient_Required_ValidCertificate_Served()
    {
        var (_, text) = await OpenSsl.SClientAsync(_requiredPort, "GET /api/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "-ign_eof", "-quiet", "-CAfile", _pki.RootCa,
            "-cert", _pki.ClientCert, "-key", _pki.ClientKey);

        Assert.Contains("HTTP/1.1 200", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SClient_Optional_NoCertificate_Served()
    {
        var (_, text) = await OpenSsl.SClientAsync(_optionalPort, "GET /public/headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "-ign_eof", "-quiet", "-CAfile", _pki.RootCa);

        Assert.Contains("HTTP/1.1 200", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_Optional_NoCertificate_ClientCertRuleNotMet()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", _pki.RootCa, $"https://127.0.0.1:{_optionalPort}/api/hello");

        Assert.True(exit == 0, text);
        Assert.True(text is "401" or "403", text);
    }

    [Fact]
    public async Task Curl_Optional_CertificateOfAnotherCa_Refused()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--cacert", _pki.RootCa, "--cert", _pki.ForeignClientCert, "--key", _pki.ForeignClientKey, $"https://127.0.0.1:{_optionalPort}/public/headers");

        Assert.True(exit != 0, text);
    }

    [Fact]
    public async Task Curl_ClientCertificate_ForgedXfccStripped()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--cacert", _pki.RootCa, "--cert", _pki.ClientCert, "--key", _pki.ClientKey,
            "-H", "X-Forwarded-Client-Cert: By=spiffe://evil;URI=spiffe://evil", $"https://127.0.0.1:{_requiredPort}/public/headers");

        Assert.True(exit == 0, text);
        Assert.DoesNotContain("spiffe://evil", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--http1.1")]
    [InlineData("--http2")]
    public async Task Curl_RouteForwardsClientCert_UpstreamGetsXfccOfTheVerifiedCertificateOnly(string protocol)
    {
        var (exit, text) = await Curl.RunAsync("-sS", protocol, "--cacert", _pki.RootCa, "--cert", _pki.ClientCert, "--key", _pki.ClientKey,
            "-H", "X-Forwarded-Client-Cert: By=spiffe://evil;URI=spiffe://evil", $"https://127.0.0.1:{_requiredPort}/headers");

        Assert.True(exit == 0, text);
        var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(_pki.ClientCertificate.RawData));
        var xfcc = Assert.Single(text.Split('\n'), line => line.StartsWith("x-forwarded-client-cert: ", StringComparison.Ordinal));
        Assert.StartsWith($"x-forwarded-client-cert: Hash={fingerprint};Subject=\"", xfcc, StringComparison.Ordinal);
        Assert.Contains($";URI={TestPkiFiles.ClientSpiffeId}", xfcc, StringComparison.Ordinal);
        Assert.DoesNotContain("spiffe://evil", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_RouteWithoutForwardClientCert_NoXfccUpstream()
    {
        var (exit, text) = await Curl.RunAsync("-sS", "--cacert", _pki.RootCa, "--cert", _pki.ClientCert, "--key", _pki.ClientKey, $"https://127.0.0.1:{_requiredPort}/public/headers");

        Assert.True(exit == 0, text);
        Assert.DoesNotContain("x-forwarded-client-cert", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"fastproxy: listening on https://127\.0\.0\.1:(?<port>\d+)", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ListeningLine();
}
