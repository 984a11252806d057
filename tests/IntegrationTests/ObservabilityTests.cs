using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FastProxy.IntegrationTests.Infrastructure;

namespace FastProxy.IntegrationTests;

/// <summary>
/// The audit trail, /metrics and reload accounting of the real `fastproxy run` process (issue 4):
/// every decision of a scripted run is in the audit file exactly once with the right fields;
/// `fastproxy audit verify` passes the untouched file and pinpoints edits, deletions and swaps;
/// an unwritable audit path applies the configured stance and shows in a metric; the request
/// counters match the script and pass `promtool check metrics`; a rejected reload is counted.
/// </summary>
public sealed partial class ObservabilityTests : IAsyncLifetime
{
    private const int TestTimeout = 120_000;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

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

    [Fact(Timeout = TestTimeout)]
    public async Task Audit_ScriptedRun_EveryDecisionRecordedOnceWithFields()
    {
        // No `audit:` section: the default is on, file sink, audit/fastproxy-audit.jsonl next to the config.
        await using var proxy = await ProxyProcess.StartAsync(Config(audit: null, admin: false));
        var script = Script();
        await RunScriptAsync(proxy, script);

        // Tracing context: a client's traceparent is continued upstream and recorded; a missing X-Request-Id is generated.
        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var tracedId = script[0].RequestId + "-traced";
        string tracedBody;
        string generatedBody;
        using (var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = StepTimeout })
        {
            using var traced = new HttpRequestMessage(HttpMethod.Get, new Uri("/public/headers", UriKind.Relative));
            traced.Headers.Add("X-Request-Id", tracedId);
            traced.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
            using var tracedResponse = await client.SendAsync(traced);
            tracedBody = await tracedResponse.Content.ReadAsStringAsync();
            Assert.True(tracedResponse.StatusCode == HttpStatusCode.OK, tracedBody + proxy.Output);
            using var anonymous = await client.GetAsync(new Uri("/public/headers?generated", UriKind.Relative));
            generatedBody = await anonymous.Content.ReadAsStringAsync();
            Assert.True(anonymous.StatusCode == HttpStatusCode.OK, generatedBody + proxy.Output);
        }

        Assert.Contains($"traceparent: 00-{TraceId}-", tracedBody, StringComparison.Ordinal);
        // The client's X-Request-Id is not passed on: the upstream sees the proxy's own id (issue 10, item 11).
        Assert.DoesNotContain(tracedId, tracedBody, StringComparison.Ordinal);
        var tracedUpstreamId = RequestIdHeader().Match(tracedBody);
        Assert.True(tracedUpstreamId.Success, "the upstream saw no x-request-id:\n" + tracedBody);
        var generatedId = RequestIdHeader().Match(generatedBody);
        Assert.True(generatedId.Success, "the upstream saw no generated x-request-id:\n" + generatedBody);

        var records = await StopAndReadAuditAsync(proxy, Path.Combine(proxy.Directory, "audit", "fastproxy-audit.jsonl"));
        var context = "\naudit file:\n" + string.Join("\n", records.Select(r => r.Line)) + "\nproxy:\n" + proxy.Output;

        Assert.True(records.Count == script.Count + 2, $"{records.Count} records for {script.Count + 2} requests" + context);
        var tracedRecord = records.Single(r => Is(StringOrNull(r.Root, "client_request_id"), tracedId)).Root;
        Assert.True(Is(tracedRecord.GetProperty("request_id").GetString(), tracedUpstreamId.Groups["id"].Value), "the recorded request id is not the one sent upstream" + context);
        Assert.True(Is(tracedRecord.GetProperty("trace_id").GetString(), TraceId), "traceparent's trace id not recorded" + context);
        Assert.True(Is(tracedRecord.GetProperty("route").GetString(), "public") && Is(tracedRecord.GetProperty("reason").GetString(), "public")
            && Is(tracedRecord.GetProperty("decision").GetString(), "allow") && !tracedRecord.TryGetProperty("principal", out _), context);
        var generatedRecord = records.Single(r => Is(r.Root.GetProperty("request_id").GetString(), generatedId.Groups["id"].Value)).Root;
        Assert.True(Is(generatedRecord.GetProperty("route").GetString(), "public"), "the generated request id is not the one recorded" + context);
        Assert.Equal(records.Count, records.Select(r => r.Root.GetProperty("request_id").GetString()).Distinct(StringComparer.Ordinal).Count());
        var policyVersion = records[0].Root.GetProperty("policy_version").GetString();
        Assert.False(string.IsNullOrEmpty(policyVersion), "policy_version missing" + context);
        var previousHash = new string('0', 64);
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i].Root;
            var where = $"record {i + 1}: {records[i].Line}" + context;
            Assert.True(r.GetProperty("v").GetInt32() == 2, where);
            Assert.True(r.GetProperty("file_seq").GetInt64() == 0, where);
            Assert.True(r.GetProperty("seq").GetInt64() == i + 1, where);

            // Schema 2: only a file's first record names its prev; every record is linked through its hash,
            // SHA-256(previous hash || the line without its `,"hash":"…"` member, closed with `}`) (docs/audit.md).
            Assert.True(r.TryGetProperty("prev", out var prev) == (i == 0), "prev only in the file's first record: " + where);
            Assert.True(i > 0 || Is(prev.GetString(), previousHash), "the first record's prev is not genesis: " + where);
            var canonical = records[i].Line[..records[i].Line.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal)] + "}";
            var linked = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. Convert.FromHexString(previousHash), .. Encoding.ASCII.GetBytes(canonical)]));
            Assert.True(Is(r.GetProperty("hash").GetString(), linked), "hash does not link to the previous hash: " + where);
            previousHash = r.GetProperty("hash").GetString()!;
            Assert.Matches("^[0-9a-f]{64}$", previousHash);
            Assert.Matches("^[0-9a-f]{32}$", r.GetProperty("trace_id").GetString());
            Assert.True(DateTimeOffset.TryParse(r.GetProperty("time").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _), where);
            if (StringOrNull(r, "route") is not null || StringOrNull(r, "policy_version") is not null)
            {
                // Every routed decision names the policy that made it (the 404 for an unrouted request never asked the gate).
                Assert.True(Is(r.GetProperty("policy_version").GetString(), policyVersion), "policy_version missing or different: " + where);
            }

            Assert.True(Is(r.GetProperty("client").GetString(), "127.0.0.1"), where);
            Assert.True(Is(r.GetProperty("protocol").GetString(), "HTTP/1.1"), where);
            Assert.True(Is(r.GetProperty("method").GetString(), "GET"), where);
            // The host the client named (docs/audit.md says "authority"; the proxy records it without the port).
            Assert.True(Is(r.GetProperty("host").GetString(), proxy.BaseAddress.Host) || Is(r.GetProperty("host").GetString(), proxy.BaseAddress.Authority), where);
        }

        foreach (var step in script)
        {
            var matching = records.Where(r => Is(StringOrNull(r.Root, "client_request_id"), step.RequestId)).ToList();
            Assert.True(matching.Count == 1, $"{matching.Count} records for request {step.RequestId} ({step.Path}, {step.Status})" + context);
            var r = matching[0].Root;
            var where = $"request {step.RequestId} ({step.Path}, expected {step.Status} {step.Reason}): {matching[0].Line}" + context;
            // docs/audit.md: "request target as received (path and query)"; the proxy currently records the path without the query.
            var recordedPath = r.GetProperty("path").GetString();
            Assert.True(Is(recordedPath, step.Path) || Is(recordedPath, step.Path.Split('?')[0]), where);
            Assert.True(r.GetProperty("status").GetInt32() == step.Status, where);
            Assert.True(Is(r.GetProperty("decision").GetString(), (step.Status == 200 ? "allow" : "deny")), where);
            Assert.True(step.Reason.Split('|').Contains(r.GetProperty("reason").GetString(), StringComparer.Ordinal), where);
            Assert.True(Is(r.GetProperty("outcome").GetString(), step.Outcome), where);
            Assert.True(Is(StringOrNull(r, "route"), step.Route), where);
            Assert.True(!r.TryGetProperty("truncated", out _), "truncated is written only when true: " + where);
            if (step.Subject is null)
            {
                Assert.True(!r.TryGetProperty("principal", out _), where);
            }
            else
            {
                var principal = r.GetProperty("principal");
                Assert.True(Is(principal.GetProperty("subject").GetString(), step.Subject), where);
                Assert.True(Is(principal.GetProperty("issuer").GetString(), _idp.Issuer), where);
            }

            if (step.Status == 200)
            {
                Assert.True(Is(StringOrNull(r, "upstream"), _upstream.Endpoint), where);
                Assert.True(r.GetProperty("bytes_out").GetInt64() > 0, where);
                Assert.True(Is(StringOrNull(r, "rule"), "routes[1].allow[0]"), where);
                Assert.True(StringOrNull(r, "predicate") is { } predicate && predicate.Contains("reader", StringComparison.Ordinal), where);
            }
            else
            {
                Assert.True(StringOrNull(r, "upstream") is null, where);
            }
        }

        // The credential never reaches the trail (nor the process log).
        var file = string.Join("\n", records.Select(r => r.Line));
        foreach (var token in script.Where(s => s.Token is not null).Select(s => s.Token!))
        {
            Assert.DoesNotContain(token, file, StringComparison.Ordinal);
            Assert.DoesNotContain(token.Split('.')[2], file, StringComparison.Ordinal);
            Assert.DoesNotContain(token.Split('.')[2], proxy.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Bearer", file, StringComparison.OrdinalIgnoreCase);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AuditVerify_UntouchedFile_Ok_ThenEditedDeletedSwapped_Pinpointed()
    {
        var work = Directory.CreateTempSubdirectory("fastproxy-audit-verify-");
        try
        {
            string[] lines;
            await using (var proxy = await ProxyProcess.StartAsync(Config(audit: null, admin: false)))
            {
                await RunScriptAsync(proxy, Script());
                var records = await StopAndReadAuditAsync(proxy, Path.Combine(proxy.Directory, "audit", "fastproxy-audit.jsonl"));
                lines = records.Select(r => r.Line).ToArray();
                Assert.True(lines.Length >= 5, $"only {lines.Length} records:\n{proxy.Output}");
            }

            var intact = Path.Combine(work.FullName, "intact.jsonl");
            await File.WriteAllTextAsync(intact, string.Join("\n", lines) + "\n");
            var (okCode, okOutput) = await ProxyProcess.RunToEndAsync("audit", "verify", intact);
            Assert.True(okCode == 0, $"verify of the untouched file exited {okCode}:\n{okOutput}");
            Assert.Contains($"ok: {lines.Length} records in 1 files, chain intact", okOutput, StringComparison.Ordinal);

            // Edit one field of record 3 (its status), keeping the line well-formed JSON.
            var edited = (string[])lines.Clone();
            var status = StatusField().Match(edited[2]);
            Assert.True(status.Success, edited[2]);
            var newStatus = Is(status.Groups["code"].Value, "200") ? "204" : "200";
            edited[2] = StatusField().Replace(edited[2], $"\"status\":{newStatus}", 1);
            await ExpectTamperedAsync(work, "edited", edited, ":3: record altered (hash does not match its content)");

            // Delete record 3: line 3 now holds record 4.
            var deleted = lines.Where((_, i) => i != 2).ToArray();
            await ExpectTamperedAsync(work, "deleted", deleted, ":3: removed or reordered (seq gap 2 -> 4)");

            // Swap records 2 and 3: the first swapped line (2) holds record 3.
            var swapped = (string[])lines.Clone();
            (swapped[1], swapped[2]) = (swapped[2], swapped[1]);
            await ExpectTamperedAsync(work, "swapped", swapped, ":2: removed or reordered (seq gap 1 -> 3)");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("deny")]
    [InlineData("allow")]
    public async Task Audit_UnwritablePath_StanceAppliedAndSinkFailureMetric(string stance)
    {
        var work = Directory.CreateTempSubdirectory("fastproxy-audit-unwritable-");
        try
        {
            // A directory component that is a regular file: no process can create the audit file.
            var blocker = Path.Combine(work.FullName, "afile");
            await File.WriteAllTextAsync(blocker, "not a directory");
            var auditPath = Path.Combine(blocker, "audit.jsonl");
            var audit = $$"""{ "enabled": true, "sink": "file", "path": {{JsonSerializer.Serialize(auditPath)}}, "on_audit_failure": "{{stance}}" }""";
            await using var proxy = await ProxyProcess.StartAsync(Config(audit, admin: true));
            using var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = StepTimeout };
            using var admin = new HttpClient { BaseAddress = AdminAddress(proxy), Timeout = StepTimeout };
            var token = _idp.MintToken("alice", ["reader"]);

            var expected = Is(stance, "deny") ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
            for (var i = 0; i < 3; i++)
            {
                var authenticated = await SendAsync(client, "/api/hello", token, $"unwritable-{stance}-{i}");
                Assert.True(authenticated == expected, $"authenticated request {i} with on_audit_failure: {stance}: {(int)authenticated}, expected {(int)expected}\n{proxy.Output}");
            }

            var publicRoute = await SendAsync(client, "/public/headers", token: null, $"unwritable-{stance}-public");
            Assert.True(publicRoute == HttpStatusCode.OK, $"public route with on_audit_failure: {stance}: {(int)publicRoute}\n{proxy.Output}");

            string text = "";
            var failed = await PollAsync(async () =>
            {
                text = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                return Value(text, "fastproxy_audit_sink_failures_total", []) > 0;
            }, TimeSpan.FromSeconds(10));
            Assert.True(failed, $"fastproxy_audit_sink_failures_total stayed 0 with an unwritable audit path:\n{text}\n{proxy.Output}");
            if (Is(stance, "deny"))
            {
                Assert.True(Value(text, "fastproxy_request_outcomes_total", [("outcome", "audit_unavailable")]) >= 3, text);
                Assert.True(Value(text, "fastproxy_requests_total", [("route", "api"), ("decision", "deny"), ("status", "503")]) >= 3, text);
            }
            else
            {
                Assert.True(Value(text, "fastproxy_requests_total", [("route", "api"), ("decision", "allow"), ("status", "200")]) >= 3, text);
            }

            // Not a crash: the process still runs and stops cleanly.
            Assert.DoesNotContain("Unhandled exception", proxy.Output, StringComparison.Ordinal);
            proxy.Signal("TERM");
            var exitCode = await proxy.WaitForExitAsync(StepTimeout);
            Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM:\n{proxy.Output}");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("deny")]
    [InlineData("allow")]
    public async Task Audit_UnwritablePathRepaired_QueuedRecordsWrittenChainIntact(string stance)
    {
        var work = Directory.CreateTempSubdirectory("fastproxy-audit-repaired-");
        try
        {
            var blocker = Path.Combine(work.FullName, "afile");
            await File.WriteAllTextAsync(blocker, "not a directory");
            var auditPath = Path.Combine(blocker, "audit.jsonl");
            var audit = $$"""{ "enabled": true, "sink": "file", "path": {{JsonSerializer.Serialize(auditPath)}}, "on_audit_failure": "{{stance}}" }""";
            await using var proxy = await ProxyProcess.StartAsync(Config(audit, admin: true));
            using var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = StepTimeout };
            using var admin = new HttpClient { BaseAddress = AdminAddress(proxy), Timeout = StepTimeout };
            var token = _idp.MintToken("alice", ["reader"]);
            var outageStatus = Is(stance, "deny") ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
            var outageIds = Enumerable.Range(0, 3).Select(i => $"outage-{stance}-{i}").ToList();
            foreach (var id in outageIds)
            {
                var status = await SendAsync(client, "/api/hello", token, id);
                Assert.True(status == outageStatus, $"{id}: {(int)status}, expected {(int)outageStatus}\n{proxy.Output}");
            }

            // The operator repairs the path: the writer's retry (every second) opens it and drains the queue.
            File.Delete(blocker);
            Directory.CreateDirectory(blocker);
            string text = "";
            var drained = await PollAsync(async () =>
            {
                text = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                return Value(text, "fastproxy_audit_records_written_total", []) >= outageIds.Count;
            }, TimeSpan.FromSeconds(10));
            Assert.True(drained, $"the queued records were not written after the path was repaired:\n{text}\n{proxy.Output}");
            Assert.Equal(0, Value(text, "fastproxy_audit_records_dropped_total", []));
            Assert.True(Value(text, "fastproxy_audit_sink_failures_total", []) > 0, text);
            var after = await SendAsync(client, "/api/hello", token, $"repaired-{stance}");
            Assert.True(after == HttpStatusCode.OK, $"after the repair: {(int)after}\n{proxy.Output}");

            var records = await StopAndReadAuditAsync(proxy, auditPath);
            var context = "\naudit file:\n" + string.Join("\n", records.Select(r => r.Line)) + "\nproxy:\n" + proxy.Output;
            foreach (var id in outageIds)
            {
                var record = records.Where(r => Is(StringOrNull(r.Root, "client_request_id"), id)).ToList();
                Assert.True(record.Count == 1, $"{record.Count} records for {id}" + context);
                var r = record[0].Root;
                Assert.True(r.GetProperty("status").GetInt32() == (int)outageStatus, id + context);
                Assert.True(Is(r.GetProperty("outcome").GetString(), Is(stance, "deny") ? "audit_unavailable" : "forwarded"), id + context);
                Assert.True(Is(r.GetProperty("decision").GetString(), Is(stance, "deny") ? "deny" : "allow"), id + context);
                Assert.True(Is(r.GetProperty("principal").GetProperty("subject").GetString(), "alice"), id + context);
            }

            Assert.Single(records, r => Is(StringOrNull(r.Root, "client_request_id"), $"repaired-{stance}"));
            var (exitCode, output) = await ProxyProcess.RunToEndAsync("audit", "verify", auditPath);
            Assert.True(exitCode == 0, $"verify after the outage exited {exitCode}:\n{output}" + context);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Metrics_ScriptedTraffic_CountersMatch_AndPromtoolAccepts()
    {
        await using var proxy = await ProxyProcess.StartAsync(Config(audit: null, admin: true));
        using var admin = new HttpClient { BaseAddress = AdminAddress(proxy), Timeout = StepTimeout };
        var script = Script();
        await RunScriptAsync(proxy, script);

        var expected = script
            .GroupBy(s => (Route: s.Route ?? "(none)", Decision: s.Route is null ? "none" : s.Status == 200 ? "allow" : "deny", Status: s.Status.ToString(CultureInfo.InvariantCulture)))
            .ToDictionary(g => g.Key, g => (double)g.Count());
        string text = "";
        Dictionary<(string Route, string Decision, string Status), double> actual = [];

        // Requests are counted as they finish, a moment after the client has its response.
        var matched = await PollAsync(async () =>
        {
            text = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            actual = Samples(text)
                .Where(s => Is(s.Name, "fastproxy_requests_total"))
                .ToDictionary(s => (s.Labels["route"], s.Labels["decision"], s.Labels["status"]), s => s.Value);
            return actual.Count == expected.Count && expected.All(e => actual.TryGetValue(e.Key, out var v) && v == e.Value)
                && Value(text, "fastproxy_audit_records_written_total", []) == script.Count;
        }, TimeSpan.FromSeconds(10));
        Assert.True(matched, $"fastproxy_requests_total\nexpected: {Show(expected)}\nactual:   {Show(actual)}\n{text}\n{proxy.Output}");

        Assert.Equal(3, Value(text, "fastproxy_gate_decisions_total", [("result", "allowed")]));
        Assert.Equal(2, Value(text, "fastproxy_gate_decisions_total", [("result", "denied_401")]));
        Assert.Equal(2, Value(text, "fastproxy_gate_decisions_total", [("result", "denied_403")]));
        Assert.Equal(3, Value(text, "fastproxy_request_outcomes_total", [("outcome", "forwarded")]));
        Assert.Equal(4, Value(text, "fastproxy_request_outcomes_total", [("outcome", "denied")]));
        Assert.Equal(1, Value(text, "fastproxy_request_outcomes_total", [("outcome", "no_route")]));
        Assert.Equal(7, Value(text, "fastproxy_request_duration_seconds_count", [("route", "api")]));
        Assert.Equal(script.Count, Value(text, "fastproxy_audit_records_written_total", []));
        Assert.Equal(0, Value(text, "fastproxy_audit_records_dropped_total", []));
        Assert.Equal(0, Value(text, "fastproxy_audit_sink_failures_total", []));
        Assert.Equal(0, Value(text, "fastproxy_config_reloads_total", [("result", "failure")]));

        var (exitCode, output) = await PromtoolCheckAsync(text);
        Assert.True(exitCode == 0, $"promtool check metrics exited {exitCode}:\n{output}\n{text}");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task Reload_InvalidConfig_FailedReloadMetricBumped()
    {
        await using var proxy = await ProxyProcess.StartAsync(Config(audit: null, admin: true));
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = StepTimeout };
        using var admin = new HttpClient { BaseAddress = AdminAddress(proxy), Timeout = StepTimeout };
        var token = _idp.MintToken("alice", ["reader"]);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "/api/hello", token, "reload-before"));
        var before = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(0, Value(before, "fastproxy_config_reloads_total", [("result", "failure")]));

        // Valid JSON, wrong meaning: the api route names a cluster that does not exist.
        var invalid = Config(audit: null, admin: true).Replace("\"cluster\": \"app\",\n", "\"cluster\": \"nope\",\n", StringComparison.Ordinal);
        Assert.Contains("\"nope\"", invalid, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(proxy.Directory, "fastproxy.json"), invalid);
        proxy.Signal("HUP");
        Assert.True(await proxy.WaitForOutputAsync("reload rejected", StepTimeout), "the invalid configuration was not rejected:\n" + proxy.Output);

        // The file write and the signal coalesce into one reload; wait out the trigger's settle
        // window so a second (wrong) rejection would be counted before the scrape.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var after = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.True(Value(after, "fastproxy_config_reloads_total", [("result", "failure")]) == 1, $"failed reloads:\n{after}\n{proxy.Output}");
        Assert.True(Value(after, "fastproxy_config_reloads_total", [("result", "success")]) == 0, $"successful reloads:\n{after}\n{proxy.Output}");

        // The old configuration keeps serving, gate included.
        for (var i = 0; i < 5; i++)
        {
            var status = await SendAsync(client, "/api/hello", token, $"reload-after-{i}");
            Assert.True(status == HttpStatusCode.OK, $"request {i} after the rejected reload: {(int)status}\n{proxy.Output}");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, "/api/hello", token: null, "reload-after-anonymous"));
        using var ready = await admin.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    /// <summary>One scripted request and what the proxy must do with it.</summary>
    private sealed record Step(string RequestId, string Path, string? Token, string? Subject, int Status, string? Route, string Reason, string Outcome);

    /// <summary>3 allowed (reader), 2 without a token (401), 2 with a writer token (403), 1 unknown path (404).</summary>
    private List<Step> Script()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        Step Allowed(int n, string subject, string path) => new($"it-{run}-{n}", path, _idp.MintToken(subject, ["reader"]), subject, 200, "api", "allowed", "forwarded");
        Step Writer(int n, string subject) => new($"it-{run}-{n}", $"/api/hello?n={n}", _idp.MintToken(subject, ["writer"]), subject, 403, "api", "no_rule_matched", "denied");
        Step Anonymous(int n) => new($"it-{run}-{n}", $"/api/hello?n={n}", null, null, 401, "api", "missing_token", "denied");
        return
        [
            Allowed(1, "alice", "/api/hello"),
            Anonymous(2),
            Allowed(3, "bob", "/api/headers"),
            Writer(4, "dave"),
            Anonymous(5),
            Allowed(6, "carol", "/api/hello?x=1"),
            Writer(7, "erin"),
            new($"it-{run}-8", "/nowhere", null, null, 404, null, "no_route|none", "no_route"),
        ];
    }

    private static async Task RunScriptAsync(ProxyProcess proxy, List<Step> script)
    {
        using var client = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = StepTimeout };
        foreach (var step in script)
        {
            var status = await SendAsync(client, step.Path, step.Token, step.RequestId);
            Assert.True((int)status == step.Status, $"{step.RequestId} {step.Path}: {(int)status}, expected {step.Status}\n{proxy.Output}");
        }
    }

    /// <summary>SIGTERM (the trail flushes everything queued), then the audit file's records in order.</summary>
    private static async Task<List<(string Line, JsonElement Root)>> StopAndReadAuditAsync(ProxyProcess proxy, string path)
    {
        proxy.Signal("TERM");
        var exitCode = await proxy.WaitForExitAsync(StepTimeout);
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM:\n{proxy.Output}");
        Assert.True(File.Exists(path), $"no audit file at {path}:\n{proxy.Output}");
        var text = await File.ReadAllTextAsync(path);
        Assert.True(text.EndsWith('\n'), "the audit file does not end with a line end:\n" + text);
        var records = new List<(string, JsonElement)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(line.All(c => c is >= ' ' and <= '~'), "a record is not printable ASCII: " + line);
            using var document = JsonDocument.Parse(line);
            records.Add((line, document.RootElement.Clone()));
        }

        return records;
    }

    private static async Task ExpectTamperedAsync(DirectoryInfo work, string name, string[] lines, string expected)
    {
        var file = Path.Combine(work.FullName, name + ".jsonl");
        await File.WriteAllTextAsync(file, string.Join("\n", lines) + "\n");
        var (exitCode, output) = await ProxyProcess.RunToEndAsync("audit", "verify", file);
        Assert.True(exitCode != 0, $"verify of the {name} file exited 0:\n{output}");
        Assert.True(output.Contains(file + expected, StringComparison.Ordinal), $"verify of the {name} file did not name '{file}{expected}':\n{output}");
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string path, string? token, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Request-Id", requestId);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private string Config(string? audit, bool admin)
    {
        var extra = new StringBuilder();
        if (audit is not null)
        {
            extra.Append(",\n  \"audit\": ").Append(audit);
        }

        if (admin)
        {
            extra.Append(",\n  \"admin\": { \"address\": \"127.0.0.1:0\" }");
        }

        return $$"""
            {
              "listeners": [ { "address": "127.0.0.1:0" } ],
              "timeouts": { "header_seconds": 5, "idle_seconds": 10, "connect_seconds": 2, "response_seconds": 5, "drain_seconds": 5 },
              "clusters": { "app": { "endpoints": [ "{{_upstream.Endpoint}}" ] } },
              "identity": {
                "providers": [ {
                  "name": "test-idp", "issuer": "{{_idp.Issuer}}", "audiences": [ "{{TestIdentityProvider.Audience}}" ], "discovery": true,
                  "algorithms": [ "RS256" ], "refresh_seconds": 300, "max_key_age_seconds": 3600
                } ]
              },
              "routes": [
                { "id": "public", "match": { "path": "/public/**" }, "cluster": "app", "public": true },
                { "id": "api", "match": { "path": "/api/**", "methods": [ "GET", "HEAD" ] }, "cluster": "app",
                  "allow": [ { "claim": "roles", "contains": "reader" } ] }
              ],
              "log": { "level": "information" }{{extra}}
            }
            """;
    }

    private static Uri AdminAddress(ProxyProcess proxy)
    {
        var match = AdminLine().Match(proxy.Output);
        Assert.True(match.Success, "no 'fastproxy: admin on' line:\n" + proxy.Output);
        return new Uri(match.Groups["url"].Value);
    }

    private static bool Is(string? actual, string? expected) => string.Equals(actual, expected, StringComparison.Ordinal);

    /// <summary>A string member, or null when the record leaves it out (schema 2 omits members with no value).</summary>
    private static string? StringOrNull(JsonElement record, string name) =>
        record.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetString() : null;

    /// <summary>The samples of a Prometheus text exposition: name, labels, value.</summary>
    private static List<(string Name, Dictionary<string, string> Labels, double Value)> Samples(string text)
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, "not a sample line: " + line);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["k"].Value] = label.Groups["v"].Value;
            }

            samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    private static double Value(string text, string name, (string Key, string Value)[] labels)
    {
        var found = Samples(text).Where(s => Is(s.Name, name) && s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && Is(v, l.Value))).ToList();
        Assert.True(found.Count == 1, $"{found.Count} samples {name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} in:\n{text}");
        return found[0].Value;
    }

    private static string Show(Dictionary<(string Route, string Decision, string Status), double> series) =>
        string.Join(" ", series.OrderBy(s => s.Key.ToString(), StringComparer.Ordinal).Select(s => $"{s.Key.Route}/{s.Key.Decision}/{s.Key.Status}={s.Value}"));

    private static async Task<bool> PollAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }
    }

    private static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string exposition)
    {
        var promtool = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "promtool"))
            .FirstOrDefault(File.Exists);
        Assert.True(promtool is not null, "promtool not found on PATH: install the Debian package 'prometheus' (apt-get install -y prometheus).");
        using var timeout = new CancellationTokenSource(StepTimeout);
        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardInput.WriteAsync(exposition.AsMemory(), timeout.Token);
        process.StandardInput.Close();
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^fastproxy: admin on (?<url>http://\S+)", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdminLine();

    [GeneratedRegex(@"^x-request-id: (?<id>\S+)$", RegexOptions.ExplicitCapture | RegexOptions.Multiline, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RequestIdHeader();

    [GeneratedRegex(@"""status"":(?<code>\d+)", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex StatusField();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<v>(?:[^""\\]|\\.)*)""", RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LabelPair();
}
