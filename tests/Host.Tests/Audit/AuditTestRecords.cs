using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Host.Audit;

namespace FastProxy.Host.Tests.Audit;

/// <summary>Synthetic requests for the audit trail, and helpers to read what it wrote.</summary>
internal static class AuditTestRecords
{
    public static readonly GateAudit Allowed = new("v1-abc", "orders-read", "allowed", "routes[0].allow[0]", "claim roles contains orders.read", false, null, "https://idp.example", "alice");

    public static readonly GateAudit Denied = new("v1-abc", "orders-read", "no_rule_matched", null, null, false, null, "https://idp.example", "bob");

    /// <summary>A request refused for want of a token: no principal.</summary>
    public static readonly GateAudit Unauthenticated = new("v1-abc", "orders-read", "missing_token", null, null, false, null, null, null);

    public static readonly GateAudit Shadow = new("v1-abc", "beta", "no_rule_matched", null, null, true, "deny", "https://idp.example", "carol");

    public static readonly IPAddress Client = IPAddress.Parse("192.0.2.7");

    public static readonly byte[] DefaultPath = "/orders/7"u8.ToArray();

    /// <summary>Start of 2026-11-29T04:00:00Z in Unix milliseconds, plus a per-record offset.</summary>
    public const long BaseTime = 1795924800000;

    public static void Emit(AuditTrail trail, int i, GateAudit? gate = null, RequestOutcome outcome = RequestOutcome.Forwarded, byte[]? path = null, int status = 200)
    {
        Span<byte> requestId = stackalloc byte[16];
        _ = i.TryFormat(requestId, out var idLength, "D8", System.Globalization.CultureInfo.InvariantCulture);
        var record = new RequestRecord
        {
            StartUnixMilliseconds = BaseTime + i,
            DurationMicroseconds = 1234,
            RequestId = requestId[..idLength],
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736"u8,
            ClientAddress = Client,
            ClientCertificate = null,
            Protocol = "HTTP/1.1",
            Method = "GET"u8,
            Host = "api.example.com"u8,
            Path = path ?? DefaultPath,
            RouteIndex = 0,
            Outcome = outcome,
            Gate = gate ?? Allowed,
            Status = status,
            UpstreamEndpoint = outcome == RequestOutcome.Forwarded ? "10.0.1.5:8080" : null,
            BytesIn = 10,
            BytesOut = 2048,
        };
        trail.OnRequestCompleted(record);
    }

    /// <summary>All lines of the given files, parsed (throws on invalid JSON).</summary>
    public static List<JsonElement> ReadRecords(params string[] files)
    {
        var records = new List<JsonElement>();
        foreach (var file in files)
        {
            foreach (var line in File.ReadAllText(file, Encoding.UTF8).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var doc = JsonDocument.Parse(line);
                records.Add(doc.RootElement.Clone());
            }
        }

        return records;
    }

    /// <summary>The trail's files in chain order: rotated ones by number, then the active one.</summary>
    public static string[] ChainFiles(string directory, string activeName = "audit.jsonl")
    {
        var rotated = Directory.GetFiles(directory, "audit.*.jsonl").Order(StringComparer.Ordinal).ToList();
        var active = Path.Combine(directory, activeName);
        if (File.Exists(active))
        {
            rotated.Add(active);
        }

        return [.. rotated];
    }

    /// <summary>The canonical form of a record line: without its `,"hash":"…"` member, with the closing brace (docs/audit.md).</summary>
    public static string Canonical(string line) => line[..^AuditFormat.HashSuffixLength] + "}";

    /// <summary>The `hash` member's raw bytes.</summary>
    public static byte[] HashOf(string line)
    {
        using var doc = JsonDocument.Parse(line);
        return Convert.FromHexString(doc.RootElement.GetProperty("hash").GetString()!);
    }

    /// <summary>What a forger with write access does: (re)computes the hash of <paramref name="canonical"/> chained to <paramref name="prev"/> and appends it.</summary>
    public static string Seal(string canonical, byte[] prev)
    {
        var hash = SHA256.HashData([.. prev, .. Encoding.ASCII.GetBytes(canonical)]);
        return canonical[..^1] + ",\"hash\":\"" + Convert.ToHexStringLower(hash) + "\"}";
    }

    public static List<string> Lines(string file) => [.. File.ReadAllText(file, Encoding.ASCII).Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    public static void WriteLines(string file, IEnumerable<string> lines) => File.WriteAllText(file, string.Join('\n', lines) + "\n", Encoding.ASCII);

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; the background writer has no completion event per record.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(5, CancellationToken.None);
        }
    }
}
