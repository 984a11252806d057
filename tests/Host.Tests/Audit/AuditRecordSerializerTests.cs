using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Host.Audit;

namespace FastProxy.Host.Tests.Audit;

public class AuditRecordSerializerTests
{
    private static AuditSlot Slot(GateAudit gate, RequestOutcome outcome, long durationMicroseconds = 1234, long time = AuditTestRecords.BaseTime)
    {
        var queue = new AuditQueue(2);
        Assert.True(queue.TryClaim(out var slot, out _));
        slot.Fill(
            new RequestRecord
            {
                RequestId = "r1"u8,
                TraceId = "t1"u8,
                Protocol = "HTTP/2",
                Method = "POST"u8,
                Host = "h"u8,
                Path = "/p"u8,
                Gate = gate,
                Outcome = outcome,
                Status = 500,
                DurationMicroseconds = durationMicroseconds,
            },
            time);
        return slot;
    }

    private static (string Line, JsonElement Record) Serialize(AuditSlot slot, byte[]? prev = null)
    {
        using var serializer = new AuditRecordSerializer();
        var output = new ArrayBufferWriter<byte>();
        var length = serializer.Serialize(slot, 3, 7, prev ?? new byte[32], output);
        Assert.Equal(length, output.WrittenCount);
        var line = Encoding.ASCII.GetString(output.WrittenSpan);
        using var doc = JsonDocument.Parse(line);
        return (line, doc.RootElement.Clone());
    }

    [Fact]
    public void Serialize_Record_HashIsSha256OfPrevAndLineWithoutHashMember()
    {
        var prev = RandomNumberGenerator.GetBytes(32);
        var (line, record) = Serialize(Slot(AuditTestRecords.Allowed, RequestOutcome.Forwarded), prev);

        Assert.EndsWith("\"}\n", line, StringComparison.Ordinal);
        var text = line.TrimEnd('\n');
        var hashMember = text.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal);
        var canonical = text[..hashMember] + "}";
        var expected = SHA256.HashData([.. prev, .. Encoding.ASCII.GetBytes(canonical)]);
        Assert.Equal(Convert.ToHexStringLower(expected), record.GetProperty("hash").GetString());
        Assert.Equal(Convert.ToHexStringLower(prev), record.GetProperty("prev").GetString());
        Assert.Equal(3, record.GetProperty("file_seq").GetInt64());
        Assert.Equal(7, record.GetProperty("seq").GetInt64());
        Assert.Equal(1, record.GetProperty("v").GetInt32());
    }

    [Fact]
    public void Serialize_Record_FieldsInDocumentedOrder()
    {
        var (_, record) = Serialize(Slot(AuditTestRecords.Allowed, RequestOutcome.Forwarded));

        string[] expected =
        [
            "v", "time", "file_seq", "seq", "request_id", "trace_id", "client", "client_cert", "principal", "protocol", "method", "host", "path", "truncated",
            "route", "policy_version", "decision", "reason", "rule", "predicate", "shadow", "status", "upstream", "bytes_in", "bytes_out", "duration_ms",
            "outcome", "prev", "hash",
        ];
        Assert.Equal(expected, record.EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Theory]
    [InlineData(0, "0.000")]
    [InlineData(7, "0.007")]
    [InlineData(1234, "1.234")]
    [InlineData(61_000_001, "61000.001")]
    [InlineData(-5, "0.000")]
    public void Serialize_Duration_MillisecondsWithThreeDecimals(long microseconds, string expected)
    {
        var (_, record) = Serialize(Slot(AuditTestRecords.Allowed, RequestOutcome.Forwarded, microseconds));

        Assert.Equal(expected, record.GetProperty("duration_ms").GetRawText());
    }

    [Theory]
    [InlineData(0, "1970-01-01T00:00:00.000Z")]
    [InlineData(AuditTestRecords.BaseTime + 59_999, "2026-11-29T04:00:59.999Z")]
    [InlineData(long.MaxValue, "9999-12-31T23:59:59.999Z")]
    public void Serialize_Time_Rfc3339UtcMilliseconds(long unixMilliseconds, string expected)
    {
        var (_, record) = Serialize(Slot(AuditTestRecords.Allowed, RequestOutcome.Forwarded, time: unixMilliseconds));

        Assert.Equal(expected, record.GetProperty("time").GetString());
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), record.GetProperty("time").GetDateTimeOffset());
    }

    [Theory]
    [InlineData(RequestOutcome.Forwarded, "allowed", "allow")]
    [InlineData(RequestOutcome.UpstreamFailed, "allowed", "allow")]
    [InlineData(RequestOutcome.ClientFailed, "public", "allow")]
    [InlineData(RequestOutcome.ClientFailed, "none", "deny")]
    [InlineData(RequestOutcome.Denied, "missing_token", "deny")]
    [InlineData(RequestOutcome.NoRoute, "no_route", "deny")]
    [InlineData(RequestOutcome.AuditUnavailable, "allowed", "deny")]
    public void Serialize_Outcome_DecisionDerived(RequestOutcome outcome, string reason, string decision)
    {
        var gate = AuditTestRecords.Allowed with { Reason = reason };

        var (_, record) = Serialize(Slot(gate, outcome));

        Assert.Equal(decision, record.GetProperty("decision").GetString());
        Assert.Equal(reason, record.GetProperty("reason").GetString());
    }

    [Fact]
    public void Serialize_LoneSurrogateInSubject_ReplacedStillValidJson()
    {
        var gate = AuditTestRecords.Allowed with { Subject = "ev\ud800il\"\n" };

        var (line, record) = Serialize(Slot(gate, RequestOutcome.Forwarded));

        Assert.Equal("ev\uFFFDil\"\n", record.GetProperty("principal").GetProperty("subject").GetString());
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
