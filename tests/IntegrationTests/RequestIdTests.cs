using System.Text.Json;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FastProxy.IntegrationTests;

/// <summary>
/// Issue 10, item 11, over the real `fastproxy run` process: the request id in the audit record, the
/// access log and the upstream's X-Request-Id is always the proxy's own; a client's X-Request-Id is
/// kept only as the separate `client_request_id`, so a client can neither choose nor collide the id
/// an auditor correlates by.
/// </summary>
public sealed partial class RequestIdTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AttackerChosen = "attacker-chosen";

    private TestUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await TestUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private string Config() => $$"""
        {
          "listeners": [ { "address": "127.0.0.1:0" } ],
          "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 5 },
          "clusters": { "app": { "endpoints": [ "{{_upstream.Endpoint}}" ] } },
          "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
          "audit": { "enabled": true, "sink": "file", "path": "audit/audit.jsonl" },
          "log": { "level": "information", "access": { "enabled": true, "format": "json", "path": "access.log" } }
        }
        """;

    [Fact(Timeout = 120_000)]
    public async Task ClientSendsXRequestId_RecordedAsClientRequestIdOnly_ProxyIdEverywhereElse()
    {
        await using var proxy = await ProxyProcess.StartAsync(Config());
        string firstSeen;
        string secondSeen;
        using (var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(15) })
        {
            firstSeen = await SendAsync(client, AttackerChosen);

            // A client that replays an id the proxy gave out still cannot make two records share it.
            secondSeen = await SendAsync(client, firstSeen);
        }

        Assert.Matches("^[0-9a-f]{32}$", firstSeen);
        Assert.NotEqual(firstSeen, secondSeen, StringComparer.Ordinal);

        proxy.Signal("TERM");
        Assert.Equal(0, await proxy.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        output.WriteLine(proxy.Output);
        var audit = Path.Combine(proxy.Directory, "audit", "audit.jsonl");
        var records = ReadJsonLines(audit);
        var first = Assert.Single(records, r => string.Equals(r.GetProperty("request_id").GetString(), firstSeen, StringComparison.Ordinal));
        Assert.Equal(AttackerChosen, first.GetProperty("client_request_id").GetString());
        var second = Assert.Single(records, r => string.Equals(r.GetProperty("request_id").GetString(), secondSeen, StringComparison.Ordinal));
        Assert.Equal(firstSeen, second.GetProperty("client_request_id").GetString());
        Assert.DoesNotContain(records, r => string.Equals(r.GetProperty("request_id").GetString(), AttackerChosen, StringComparison.Ordinal));

        var access = ReadJsonLines(Path.Combine(proxy.Directory, "access.log"));
        var line = Assert.Single(access, r => string.Equals(r.GetProperty("request_id").GetString(), firstSeen, StringComparison.Ordinal));
        Assert.Equal(AttackerChosen, line.GetProperty("client_request_id").GetString());

        var (exitCode, verify) = await ProxyProcess.RunToEndAsync("audit", "verify", audit);
        Assert.True(exitCode == 0, verify);
    }

    /// <summary>Sends one request with <paramref name="requestId"/> as X-Request-Id; returns the X-Request-Id the upstream saw.</summary>
    private static async Task<string> SendAsync(HttpClient client, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/headers", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("X-Request-Id", requestId);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var seen = UpstreamRequestId().Matches(body);
        Assert.True(seen.Count == 1, "the upstream saw not exactly one x-request-id:\n" + body);
        return seen[0].Groups["id"].Value;
    }

    private static List<JsonElement> ReadJsonLines(string path)
    {
        Assert.True(File.Exists(path), "no file " + path);
        var records = new List<JsonElement>();
        foreach (var text in File.ReadAllLines(path))
        {
            if (text.Length > 0)
            {
                using var document = JsonDocument.Parse(text);
                records.Add(document.RootElement.Clone());
            }
        }

        return records;
    }

    [GeneratedRegex(@"^x-request-id: (?<id>.*)$", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UpstreamRequestId();
}
