using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The identity provider misbehaves while the proxy runs (GateTests drills it being down): its JWKS endpoint is slow
/// (answers after the proxy's 10 s key fetch timeout) or serves a broken key set. Meanwhile tokens signed with the key
/// the proxy already holds keep passing, a token with a kid the proxy never saw is refused (401 invalid_token: an
/// unverifiable token never passes), the log says what was wrong with the JWKS and
/// fastproxy_jwks_refresh_failures_total counts it. When the IdP recovers with a rotated key, that key works.
/// </summary>
public sealed class IdentityProviderDrillTests : IAsyncLifetime
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    private TestUpstream _upstream = null!;
    private TestIdentityProvider _idp = null!;

    public enum Broken
    {
        NotJson,
        NoKeysMember,
        KeyWithoutModulus,
        KeyWithGarbageModulus,
        OnlyUnusableKeys,
        HtmlErrorPageWith200,
        ServerError500,
    }

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _idp = await TestIdentityProvider.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _idp.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData(Broken.NotJson, "key document is not valid JSON")]
    [InlineData(Broken.NoKeysMember, "JWKS document has no 'keys' array")]
    [InlineData(Broken.KeyWithoutModulus, "RSA JWK 'broken' has no 'n'")]
    [InlineData(Broken.KeyWithGarbageModulus, "JWK 'broken' is not a valid public key")]
    [InlineData(Broken.OnlyUnusableKeys, "JWKS has no usable signature keys")]
    [InlineData(Broken.HtmlErrorPageWith200, "key document is not valid JSON")]
    [InlineData(Broken.ServerError500, "/jwks answered 500")]
    public async Task BrokenJwks_CachedKeyKeepsServing_UnknownKidRefused_LoggedAndCounted_RecoveredRotatedKeyWorks(Broken broken, string reason)
    {
        await using var proxy = await StartProxyAsync();
        using var admin = new AdminMetrics(proxy);
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = StepTimeout };
        var cached = _idp.MintToken("alice", ["reader"]);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, cached)).Status);

        _idp.Fault = Fault(broken);
        var (counted, metrics) = await admin.WaitForSampleAsync("fastproxy_jwks_refresh_failures_total", v => v >= 2, StepTimeout);
        Assert.True(counted, $"the broken JWKS ({broken}) was not counted as a failed refresh:\n{metrics}\n{proxy.Output}");
        var logged = await WaitAsync(() => proxy.Output.Split('\n').Any(l => l.Contains("key fetch failed (", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal)), StepTimeout);
        Assert.True(logged, $"no 'key fetch failed' line says '{reason}':\n{proxy.Output}");

        await AssertCachedKeyServesAndUnknownKidRefusedAsync(client, cached, proxy);
        await AssertRecoveredRotatedKeyWorksAsync(client, cached, proxy);
    }

    [Fact]
    public async Task SlowJwks_CachedKeyServesWithoutWaiting_UnknownKidRefused_TimeoutLoggedAndCounted_RecoveredRotatedKeyWorks()
    {
        await using var proxy = await StartProxyAsync();
        using var admin = new AdminMetrics(proxy);
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var cached = _idp.MintToken("alice", ["reader"]);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, cached)).Status);

        // The real key set, but only after 15 s: longer than the proxy's 10 s key fetch timeout.
        _idp.Fault = new JwksFault(200, "application/json", Body: null, Delay: TimeSpan.FromSeconds(15));
        var fetches = _idp.JwksFetches;
        Assert.True(await WaitAsync(() => _idp.JwksFetches > fetches, StepTimeout), "the proxy did not start a refresh");

        // While the refresh hangs, requests with the held key do not wait for it.
        for (var i = 0; i < 5; i++)
        {
            var (status, elapsed) = await GetAsync(client, cached);
            Assert.True(status == HttpStatusCode.OK && elapsed < TimeSpan.FromSeconds(3), $"cached-key request {i}: {(int)status} after {elapsed}\n{proxy.Output}");
        }

        var (counted, metrics) = await admin.WaitForSampleAsync("fastproxy_jwks_refresh_failures_total", v => v >= 1, TimeSpan.FromSeconds(30));
        Assert.True(counted, $"the timed-out refresh was not counted:\n{metrics}\n{proxy.Output}");
        Assert.True(await proxy.WaitForOutputAsync("key fetch failed (", StepTimeout), proxy.Output);

        await AssertCachedKeyServesAndUnknownKidRefusedAsync(client, cached, proxy);
        await AssertRecoveredRotatedKeyWorksAsync(client, cached, proxy);
    }

    private async Task AssertCachedKeyServesAndUnknownKidRefusedAsync(HttpClient client, string cached, ProxyProcess proxy)
    {
        for (var i = 0; i < 5; i++)
        {
            var (status, _) = await GetAsync(client, cached);
            Assert.True(status == HttpStatusCode.OK, $"cached-key request {i} during the IdP fault: {(int)status}\n{proxy.Output}");
        }

        // The IdP signs with a key it cannot publish: the proxy cannot verify the token, so it refuses it.
        _idp.Rotate();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/hello", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _idp.MintToken("mallory", ["reader"]));
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"a token with an unknown kid got {(int)response.StatusCode}\n{proxy.Output}");
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", proxy.Output, StringComparison.Ordinal);
    }

    /// <summary>The IdP serves its keys again, the rotated one among them: tokens signed with it pass, the old key still too.</summary>
    private async Task AssertRecoveredRotatedKeyWorksAsync(HttpClient client, string cached, ProxyProcess proxy)
    {
        var rotated = _idp.MintToken("alice", ["reader"]);
        _idp.Fault = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpStatusCode status;
        while ((status = (await GetAsync(client, rotated)).Status) != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(status == HttpStatusCode.OK, $"the rotated key was not accepted after the IdP recovered: {(int)status}\n{proxy.Output}");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, cached)).Status);
    }

    private async Task<ProxyProcess> StartProxyAsync()
    {
        // Refresh every second so the fault is met at once; no token cache, so every request verifies a signature.
        var config = TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer, refreshSeconds: 1, tokenCacheSize: 0)
            .Replace("\"log\": {", "\"admin\": { \"address\": \"127.0.0.1:0\" },\n  \"log\": {", StringComparison.Ordinal);
        return await ProxyProcess.StartAsync(config);
    }

    private static JwksFault Fault(Broken broken) => broken switch
    {
        Broken.NotJson => new(200, "application/json", "this is not json"),
        Broken.NoKeysMember => new(200, "application/json", """{"issuer":"somebody"}"""),
        Broken.KeyWithoutModulus => new(200, "application/json", """{"keys":[{"kty":"RSA","kid":"broken","alg":"RS256","e":"AQAB"}]}"""),
        Broken.KeyWithGarbageModulus => new(200, "application/json", """{"keys":[{"kty":"RSA","kid":"broken","alg":"RS256","n":"%%%not-base64%%%","e":"AQAB"}]}"""),
        Broken.OnlyUnusableKeys => new(200, "application/json", """{"keys":[{"kty":"oct","kid":"broken","k":"c2VjcmV0"},{"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"}]}"""),
        Broken.HtmlErrorPageWith200 => new(200, "text/html", "<html><body><h1>Service temporarily unavailable</h1></body></html>"),
        Broken.ServerError500 => new(500, "text/plain", "internal error"),
        _ => throw new ArgumentOutOfRangeException(nameof(broken)),
    };

    private static async Task<(HttpStatusCode Status, TimeSpan Elapsed)> GetAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/hello", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request);
        return (response.StatusCode, clock.Elapsed);
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }
}
