using System.Net;
using System.Net.Http.Headers;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>The zero-trust gate end to end: a real IdP over HTTP, the proxy process, a real upstream.</summary>
public sealed class GateTests : IAsyncLifetime
{
    private TestUpstream _upstream = null!;
    private TestIdentityProvider _idp = null!;

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

    [Fact]
    public async Task ValidToken_Allowed_UpstreamSeesPrincipalNotCredential()
    {
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/headers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _idp.MintToken("alice", ["reader"]));
        request.Headers.Add("X-User", "admin");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("x-user: alice\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", body, StringComparison.Ordinal);
        Assert.DoesNotContain("authorization", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InboundIdentityHeader_OnPublicRoute_StillStripped()
    {
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/public/headers");
        request.Headers.Add("X-User", "admin");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("x-user", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoToken_401WithBearerChallenge_WrongRole_403_BadToken_401()
    {
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };

        using (var anonymous = await client.GetAsync("/api/hello"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            Assert.DoesNotContain("error=", anonymous.Headers.WwwAuthenticate.Single().Parameter ?? "", StringComparison.Ordinal);
        }

        using (var writer = new HttpRequestMessage(HttpMethod.Get, "/api/hello"))
        {
            writer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _idp.MintToken("bob", ["writer"]));
            using var response = await client.SendAsync(writer);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var garbage = new HttpRequestMessage(HttpMethod.Get, "/api/hello"))
        {
            garbage.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not.a.jwt");
            using var response = await client.SendAsync(garbage);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
            Assert.DoesNotContain("not.a.jwt", proxy.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task KeyRotation_WhileTrafficFlows_NoRequestFails_RetiredKeyRefusedAfterwards()
    {
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer, refreshSeconds: 2));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        var oldKid = _idp.SigningKid;
        var oldToken = _idp.MintToken("alice", ["reader"]);
        var current = oldToken;
        var failures = new List<string>();
        var sent = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(6));

        async Task Load()
        {
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/hello");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Volatile.Read(ref current));
                using var response = await client.SendAsync(request);
                Interlocked.Increment(ref sent);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    var detail = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    lock (failures)
                    {
                        failures.Add(detail);
                    }
                }
            }
        }

        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(Load)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(2));

        // The IdP rolls its key: new tokens carry a kid the proxy has never seen.
        _idp.Rotate();
        Volatile.Write(ref current, _idp.MintToken("alice", ["reader"]));
        await Task.WhenAll(load);
        Assert.True(sent > 20, $"only {sent} requests were sent");
        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + proxy.Output);

        // After the rotation window the old key leaves the JWKS: its tokens stop working.
        _idp.Retire(oldKid);
        var refused = await PollAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/hello");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", oldToken);
            using var response = await client.SendAsync(request);
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(15));
        Assert.True(refused, "a token signed by the retired key was still accepted\n" + proxy.Output);
    }

    [Fact]
    public async Task IdpDown_CachedKeysKeepServing_ThenFailClosedWith503()
    {
        await using var proxy = await ProxyProcess.StartAsync(TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer, refreshSeconds: 1, maxKeyAgeSeconds: 4, tokenCacheSize: 0));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress };
        var token = _idp.MintToken("alice", ["reader"]);

        async Task<HttpStatusCode> Get()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/hello");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await Get());
        await _idp.StopAsync();

        // Inside the age limit the last good keys still verify tokens.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(HttpStatusCode.OK, await Get());

        // Past it the proxy cannot check signatures any more: 503 (IdP down), never 401 or 200.
        var failedClosed = await PollAsync(async () => await Get() == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
        Assert.True(failedClosed, proxy.Output);
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }
}
