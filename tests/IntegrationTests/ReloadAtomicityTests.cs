using System.Net;
using System.Net.Http.Headers;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// A reload is atomic for a request (issue 10, item 6): the route table that matched a request
/// and the rules that judge it come from one snapshot, also when the request waits for a JWKS
/// refresh across the reload. Real binary, real sockets, SIGHUP reload.
/// </summary>
public sealed class ReloadAtomicityTests
{
    private const string Reloaded = "configuration reloaded";

    [Fact]
    public async Task Reload_ReorderedRoutesWhileRequestsParkedForKeys_EachJudgedByItsOwnRoutesRules()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var idp = await ParkingIdentityProvider.StartAsync();
        await using var proxy = await ProxyProcess.StartAsync(Config(upstream.Endpoint, idp.Issuer, adminFirst: false));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var api = new Uri(proxy.BaseAddress, "/api/hello");

        // A token signed by a key the proxy has not seen: its requests park on the JWKS refresh.
        idp.ArmNewKey();
        var token = idp.MintToken("mallory", ["reader"]);
        var parked = Enumerable.Range(0, 4).Select(_ => GetAsync(client, api, token)).ToList();
        await idp.Parked.WaitAsync(TimeSpan.FromSeconds(10));

        // The same routes in the other order: index 1 (the admin route these requests matched)
        // is now the public route.
        await File.WriteAllTextAsync(Path.Combine(proxy.Directory, "fastproxy.json"), Config(upstream.Endpoint, idp.Issuer, adminFirst: true));
        proxy.Signal("HUP");
        Assert.True(await proxy.WaitForOutputAsync(Reloaded, TimeSpan.FromSeconds(10)), "no reload:\n" + proxy.Output);

        idp.Release();
        foreach (var response in await Task.WhenAll(parked))
        {
            // The admin route's rule (role admin) refuses a reader; the public route would have let it through.
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"a parked request got {(int)response.StatusCode}, not the admin route's 403:\n{proxy.Output}");
            response.Dispose();
        }

        // Under the new snapshot the same request is judged by the admin route (now first) too.
        using var after = await GetAsync(client, api, token);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, Uri uri, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    /// <summary>"/api/**" needs role admin, "/public/**" is public; <paramref name="adminFirst"/> swaps their indexes.</summary>
    private static string Config(string upstream, string issuer, bool adminFirst)
    {
        const string admin = """
            { "id": "admin", "match": { "path": "/api/**" }, "cluster": "app",
              "allow": [ { "claim": "roles", "contains": "admin" } ] }
            """;
        const string open = """
            { "id": "open", "match": { "path": "/public/**" }, "cluster": "app", "public": true }
            """;
        var routes = adminFirst ? $"{admin},\n{open}" : $"{open},\n{admin}";
        return $$"""
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 10, "drain_seconds": 5 },
              "clusters": { "app": { "endpoints": [ "{{upstream}}" ] } },
              "identity": {
                "providers": [ {
                  "name": "test-idp", "issuer": "{{issuer}}", "audiences": [ "orders-api" ], "discovery": true,
                  "algorithms": [ "RS256" ], "refresh_seconds": 300, "max_key_age_seconds": 3600
                } ]
              },
              "routes": [
            {{routes}}
              ],
              "log": { "level": "information" }
            }
            """;
    }
}
