using System.Net;
using System.Text.Json;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Host.Config;
using FastProxy.Host.Observability;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Host.Tests.Observability;

public sealed class AccessLogTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fastproxy-access-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static void Record(AccessLog log, byte[] path, string? subject = "alice")
    {
        var record = new RequestRecord
        {
            StartUnixMilliseconds = 1_795_000_000_123,
            DurationMicroseconds = 1_534,
            RequestId = "req-1"u8,
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736"u8,
            ClientAddress = IPAddress.Parse("192.0.2.7"),
            Protocol = "HTTP/1.1",
            Method = "GET"u8,
            Host = "api.example.com"u8,
            Path = path,
            RouteIndex = 0,
            Outcome = RequestOutcome.Forwarded,
            Gate = new GateAudit("v1", "orders", "allowed", "routes[0].allow[0]", "claim roles contains reader", false, null, "https://idp", subject),
            Status = 200,
            BytesOut = 12,
        };
        log.OnRequestCompleted(record);
    }

    private async Task<string[]> WriteAsync(string format, params byte[][] paths)
    {
        var log = AccessLog.Create(new AccessLogConfig { Enabled = true, Format = format, Path = "logs/access.log" }, _directory, NullLogger.Instance);
        foreach (var path in paths)
        {
            Record(log, path);
        }

        await log.DisposeAsync();
        return await File.ReadAllLinesAsync(Path.Combine(_directory, "logs", "access.log"));
    }

    [Fact]
    public async Task Common_OneRequest_OneLineWithTheFields()
    {
        var lines = await WriteAsync("common", "/orders/7"u8.ToArray());
        Assert.Equal("192.0.2.7 - alice [2026-11-18T11:06:40.123Z] \"GET /orders/7 HTTP/1.1\" 200 12 orders 1.534 req-1 -", Assert.Single(lines));
    }

    [Fact]
    public async Task Json_HostilePath_StaysOneValidObject()
    {
        var hostile = "/a\"b\\c\r\nd\u0001\u00ff"u8.ToArray();
        var lines = await WriteAsync("json", hostile);
        var line = Assert.Single(lines);
        using var json = JsonDocument.Parse(line);
        Assert.Equal("/a\"b\\c\r\nd\u0001\u00c3\u00bf", json.RootElement.GetProperty("path").GetString());
        Assert.Equal("alice", json.RootElement.GetProperty("subject").GetString());
        Assert.Equal(200, json.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Common_HostilePath_CannotForgeASecondLine()
    {
        var lines = await WriteAsync("common", "/x\r\n10.0.0.1 - admin [now] \"GET /admin\""u8.ToArray());
        Assert.Single(lines);
    }

    [Fact]
    public async Task Json_HugePath_CutButStillOneLine()
    {
        var huge = new byte[20_000];
        Array.Fill(huge, (byte)'a');
        huge[0] = (byte)'/';
        var lines = await WriteAsync("json", huge);
        Assert.Single(lines);
        Assert.True(lines[0].Length <= 4096);
    }
}
