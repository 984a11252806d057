using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The audit disk fills up while the proxy serves (a real full filesystem: a 256 KiB tmpfs and a filler file). The
/// configured stance holds (docs/audit.md): on_audit_failure: deny refuses authenticated requests with 503 while the
/// trail cannot write, allow keeps serving them; fastproxy_audit_sink_failures_total counts, the log says the disk is
/// full. When space comes back the trail resumes and `fastproxy audit verify` accepts the file: the torn writes of the
/// outage left no broken line and no break in the hash chain.
/// </summary>
public sealed class AuditDiskFullDrillTests : IAsyncLifetime
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

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

    [RootTheory]
    [InlineData("deny")]
    [InlineData("allow")]
    public async Task AuditDiskFull_StanceHolds_FailureLoggedAndCounted_ResumesWithVerifiableChain(string stance)
    {
        await using var disk = await TinyTmpfs.MountAsync(kibibytes: 256);
        var auditPath = Path.Combine(disk.Directory, "audit.jsonl");
        var audit = $$"""{ "enabled": true, "sink": "file", "path": {{JsonSerializer.Serialize(auditPath)}}, "on_audit_failure": "{{stance}}" }""";
        var config = TestConfigs.GatedProxy(_upstream.Endpoint, _idp.Issuer)
            .Replace("\"log\": {", $"\"admin\": {{ \"address\": \"127.0.0.1:0\" }},\n  \"audit\": {audit},\n  \"log\": {{", StringComparison.Ordinal);
        await using var proxy = await ProxyProcess.StartAsync(config);
        using var admin = new AdminMetrics(proxy);
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = StepTimeout };
        var token = _idp.MintToken("alice", ["reader"]);
        var deny = string.Equals(stance, "deny", StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, token));
        var (written, metrics) = await admin.WaitForSampleAsync("fastproxy_audit_records_written_total", v => v >= 1, StepTimeout);
        Assert.True(written, "the first record was not written:\n" + metrics + proxy.Output);

        // The disk fills up. The audit file's last block still has room for a few records; then writes fail.
        await disk.FillAsync();
        var statuses = new List<HttpStatusCode>();
        var deadline = DateTime.UtcNow + StepTimeout;
        var failing = false;
        while (!failing && DateTime.UtcNow < deadline)
        {
            statuses.Add(await GetAsync(client, token));
            failing = deny
                ? statuses[^1] == HttpStatusCode.ServiceUnavailable
                : AdminMetrics.Sample(await admin.ScrapeAsync(), "fastproxy_audit_sink_failures_total") > 0;
            await Task.Delay(50);
        }

        Assert.True(failing, $"the full disk never showed ({stance}): {string.Join(",", statuses.Select(s => (int)s))}\n{proxy.Output}");
        Assert.All(statuses.Where(s => s != HttpStatusCode.ServiceUnavailable), s => Assert.Equal(HttpStatusCode.OK, s));

        // While it stays full the stance holds for every authenticated request.
        var expected = deny ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
        for (var i = 0; i < 5; i++)
        {
            var status = await GetAsync(client, token);
            Assert.True(status == expected, $"request {i} on the full disk with on_audit_failure: {stance}: {(int)status}\n{proxy.Output}");
        }

        (var counted, metrics) = await admin.WaitForSampleAsync("fastproxy_audit_sink_failures_total", v => v > 0, StepTimeout);
        Assert.True(counted, "fastproxy_audit_sink_failures_total stayed 0 on a full disk:\n" + metrics);
        Assert.True(await proxy.WaitForOutputAsync("No space left on device", StepTimeout), "the log does not say the disk is full:\n" + proxy.Output);
        var writtenBefore = AdminMetrics.Sample(metrics, "fastproxy_audit_records_written_total")!.Value;

        // Space comes back: the writer's retry drains what queued, and authenticated requests are served again.
        disk.Free();
        Assert.True(await proxy.WaitForOutputAsync("recovered", StepTimeout), "the audit sink did not recover:\n" + proxy.Output);
        (var resumed, metrics) = await admin.WaitForSampleAsync("fastproxy_audit_records_written_total", v => v > writtenBefore, StepTimeout);
        Assert.True(resumed, "no record was written after space came back:\n" + metrics + proxy.Output);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAsync(client, token));
        }

        // SIGTERM flushes the trail; the file verifies end to end.
        proxy.Signal("TERM");
        var exitCode = await proxy.WaitForExitAsync(StepTimeout);
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM:\n{proxy.Output}");
        Assert.DoesNotContain("Unhandled", proxy.Output, StringComparison.Ordinal);
        var (verifyExit, verifyOutput) = await ProxyProcess.RunToEndAsync("audit", "verify", auditPath);
        Assert.True(verifyExit == 0, $"audit verify exited {verifyExit}:\n{verifyOutput}\n{await File.ReadAllTextAsync(auditPath)}\n{proxy.Output}");
        if (deny)
        {
            // The refusals were recorded once space came back (they queued while the disk was full).
            Assert.Contains("\"outcome\":\"audit_unavailable\"", await File.ReadAllTextAsync(auditPath), StringComparison.Ordinal);
        }
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/hello", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
