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

    private const string Fingerprint = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    /// <summary>A slot where every optional member has a value: mTLS client, truncated path, shadow mode, an upstream.</summary>
    private static AuditSlot FullSlot()
    {
        var queue = new AuditQueue(2);
        Assert.True(queue.TryClaim(out var slot, out _));
        slot.Fill(
            new RequestRecord
            {
                RequestId = "r1"u8,
                TraceId = "t1"u8,
                ClientAddress = System.Net.IPAddress.Parse("192.0.2.7"),
                ClientCertificate = "CN=ops",
                ClientCertificateFingerprint = Fingerprint,
                ClientCertificateUriSans = ["spiffe://prod.example/ns/web/sa/frontend", "urn:x-\"quoted\""],
                Protocol = "HTTP/1.1",
                Method = "GET"u8,
                Host = "h"u8,
                Path = Enumerable.Repeat((byte)'a', AuditSlot.MaxPathBytes + 1).ToArray(),
                Gate = AuditTestRecords.Shadow with { Rule = "routes[0].deny[0]", Predicate = "not source 10.0.0.0/8" },
                Outcome = RequestOutcome.Forwarded,
                Status = 200,
                UpstreamEndpoint = "10.0.1.5:8080",
                BytesIn = 1,
                BytesOut = 2,
            },
            AuditTestRecords.BaseTime);
        return slot;
    }

    private static (string Line, JsonElement Record) Serialize(AuditSlot slot, byte[]? prev = null, long seq = 7)
    {
        using var serializer = new AuditRecordSerializer();
        var output = new ArrayBufferWriter<byte>();
        var length = serializer.Serialize(slot, 3, seq, prev ?? new byte[32], output);
        Assert.Equal(length, output.WrittenCount);
        var line = Encoding.ASCII.GetString(output.WrittenSpan);
        using var doc = JsonDocument.Parse(line);
        return (line, doc.RootElement.Clone());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void Serialize_Record_HashIsSha256OfPrevAndLineWithoutHashMember(long seq)
    {
        var prev = RandomNumberGenerator.GetBytes(32);
        var (line, record) = Serialize(Slot(AuditTestRecords.Allowed, RequestOutcome.Forwarded), prev, seq);

        Assert.EndsWith("\"}\n", line, StringComparison.Ordinal);
        var text = line.TrimEnd('\n');
        var hashMember = text.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal);
        var canonical = text[..hashMember] + "}";
        var expected = SHA256.HashData([.. prev, .. Encoding.ASCII.GetBytes(canonical)]);
        Assert.Equal(Convert.ToHexStringLower(expected), record.GetProperty("hash").GetString());
        Assert.Equal(3, record.GetProperty("file_seq").GetInt64());
        Assert.Equal(seq, record.GetProperty("seq").GetInt64());
        Assert.Equal(2, record.GetProperty("v").GetInt32());
    }

    [Fact]
    public void Serialize_FirstRecordOfFile_PrevLastBeforeHash()
    {
        var prev = RandomNumberGenerator.GetBytes(32);

        var (line, record) = Serialize(Slot(AuditTestRecords.Allowed, RequestOutcome.Forwarded), prev, seq: 1);

        Assert.Equal(Convert.ToHexStringLower(prev), record.GetProperty("prev").GetString());
        Assert.EndsWith($",\"outcome\":\"forwarded\",\"prev\":\"{Convert.ToHexStringLower(prev)}\",\"hash\":\"{record.GetProperty("hash").GetString()}\"}}\n", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(long.MaxValue)]
    public void Serialize_LaterRecordOfFile_NoPrevMember(long seq)
    {
        var (line, record) = Serialize(Slot(AuditTestRecords.Allowed, RequestOutcome.Forwarded), RandomNumberGenerator.GetBytes(32), seq);

        Assert.False(record.TryGetProperty("prev", out _));
        Assert.DoesNotContain("prev", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_EveryMemberHasAValue_AllMembersInDocumentedOrder()
    {
        var (_, record) = Serialize(FullSlot(), seq: 1);

        string[] expected =
        [
            "v", "time", "file_seq", "seq", "request_id", "trace_id", "client", "client_cert", "client_cert_sha256", "client_cert_uri_sans", "principal", "protocol",
            "method", "host", "path", "truncated", "route", "policy_version", "decision", "reason", "rule", "predicate", "shadow", "status", "upstream", "bytes_in", "bytes_out", "duration_ms",
            "outcome", "prev", "hash",
        ];
        Assert.Equal(expected, record.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(["issuer", "subject"], record.GetProperty("principal").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.True(record.GetProperty("truncated").GetBoolean());
        Assert.Equal("deny", record.GetProperty("shadow").GetProperty("verdict").GetString());
        Assert.Equal("192.0.2.7", record.GetProperty("client").GetString());
        Assert.Equal("CN=ops", record.GetProperty("client_cert").GetString());
        Assert.Equal(Fingerprint, record.GetProperty("client_cert_sha256").GetString());
        Assert.Equal(
            ["spiffe://prod.example/ns/web/sa/frontend", "urn:x-\"quoted\""],
            record.GetProperty("client_cert_uri_sans").EnumerateArray().Select(e => e.GetString()!).ToArray());
    }

    [Fact]
    public void Serialize_NoOptionalValues_OnlyAlwaysPresentMembersNoNullNoFalse()
    {
        var (line, record) = Serialize(Slot(GateAudit.None, RequestOutcome.NoRoute));

        string[] expected =
        [
            "v", "time", "file_seq", "seq", "request_id", "trace_id", "protocol", "method", "host", "path",
            "decision", "reason", "status", "bytes_in", "bytes_out", "duration_ms", "outcome", "hash",
        ];
        Assert.Equal(expected, record.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.DoesNotContain("null", line, StringComparison.Ordinal);
        Assert.DoesNotContain("false", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://idp.example", null, "{\"issuer\":\"https://idp.example\"}")]
    [InlineData(null, "alice", "{\"subject\":\"alice\"}")]
    [InlineData("https://idp.example", "alice", "{\"issuer\":\"https://idp.example\",\"subject\":\"alice\"}")]
    public void Serialize_PrincipalPartlyKnown_OnlyKnownMembers(string? issuer, string? subject, string expected)
    {
        var (_, record) = Serialize(Slot(AuditTestRecords.Allowed with { Issuer = issuer, Subject = subject }, RequestOutcome.Forwarded));

        Assert.Equal(expected, record.GetProperty("principal").GetRawText());
    }

    [Fact]
    public void Serialize_PeersRecord_LeavesOutNullsFalseAndPrevAfterFirst()
    {
        // The peers scenario's shape: client and upstream known, no client certificate, no shadow, nothing cut.
        var queue = new AuditQueue(2);
        Assert.True(queue.TryClaim(out var slot, out _));
        slot.Fill(
            new RequestRecord
            {
                RequestId = "5f0c2a9e8b7d4c3e9a1f6b2d8c4e7a90"u8,
                TraceId = "4bf92f3577b34da6a3ce929d0e0e4736"u8,
                ClientAddress = System.Net.IPAddress.Loopback,
                Protocol = "HTTP/1.1",
                Method = "GET"u8,
                Host = "127.0.0.1"u8,
                Path = "/api/orders"u8,
                Gate = AuditTestRecords.Allowed,
                Outcome = RequestOutcome.Forwarded,
                Status = 200,
                UpstreamEndpoint = "127.0.0.1:19101",
            },
            AuditTestRecords.BaseTime);

        var (first, _) = Serialize(slot, seq: 1);
        var (later, _) = Serialize(slot, seq: 2);

        // v1 wrote `,"client_cert":null` (19), `,"truncated":false` (18), `,"shadow":null` (14) and `,"prev":"<64 hex>"` (74) here.
        Assert.Equal(first.Length - 74, later.Length);
        foreach (var absent in (string[])["client_cert", "truncated", "shadow", "null", "false"])
        {
            Assert.DoesNotContain(absent, first, StringComparison.Ordinal);
        }
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

    [Theory]
    [InlineData(1)]
    [InlineData(long.MaxValue)]
    public void Serialize_EveryFieldAtItsWorst_FitsTheSizeItAskedForAndVerifies(long seq)
    {
        // Every string at its cap and escaped at 6 bytes per unit: the output span must be exactly what the serializer asked for.
        var lone = new string('\ud800', 5000);
        var gate = new GateAudit(lone, lone, lone, lone, lone, true, lone, lone, lone);
        var invalid = Enumerable.Repeat((byte)0xFF, 3000).ToArray();
        var queue = new AuditQueue(2);
        Assert.True(queue.TryClaim(out var slot, out _));
        slot.Fill(
            new RequestRecord
            {
                RequestId = invalid,
                TraceId = invalid,
                ClientAddress = System.Net.IPAddress.Parse("fe80::1234:5678:9abc:def0%4294967295"),
                ClientCertificate = lone,
                Protocol = lone,
                Method = invalid,
                Host = invalid,
                Path = invalid,
                Gate = gate,
                Outcome = RequestOutcome.Forwarded,
                Status = int.MaxValue,
                UpstreamEndpoint = lone,
                BytesIn = long.MaxValue,
                BytesOut = long.MaxValue,
                DurationMicroseconds = long.MaxValue,
            },
            long.MaxValue);
        using var serializer = new AuditRecordSerializer();
        var output = new ExactBufferWriter();

        var length = serializer.Serialize(slot, long.MaxValue, seq, new byte[32], output);

        Assert.Equal(length, output.Written);
        Assert.True(output.Written <= output.Requested);
        var line = Encoding.ASCII.GetString(output.Buffer, 0, output.Written);
        using var doc = JsonDocument.Parse(line);
        Assert.Equal(4096, doc.RootElement.GetProperty("predicate").GetString()!.Length);
        Assert.True(AuditRecordReader.TryReadChainFields(output.Buffer.AsSpan(0, output.Written - 1), out var fields, out var problem), problem);
        Assert.Equal(serializer.LastHash.ToArray(), fields.Hash);
        Assert.Equal(seq == 1, fields.Prev is not null);
    }

    [Fact]
    public void Serialize_MembersChangeBetweenRecords_EachRecordAsAFreshSerializerWritesIt()
    {
        // The writer keeps the escaped bytes of the last string per member; a record with other strings must not reuse them.
        using var shared = new AuditRecordSerializer();
        var prev = new byte[32];
        foreach (var gate in new[] { AuditTestRecords.Allowed, AuditTestRecords.Denied, AuditTestRecords.Shadow, AuditTestRecords.Allowed })
        {
            var slot = Slot(gate, RequestOutcome.Forwarded);
            var output = new ArrayBufferWriter<byte>();
            shared.Serialize(slot, 3, 7, prev, output);

            Assert.Equal(Serialize(slot, prev).Line, Encoding.ASCII.GetString(output.WrittenSpan));
        }
    }

    [Fact]
    public void Serialize_SecondsBoundary_TimePrefixRecomputed()
    {
        using var serializer = new AuditRecordSerializer();
        var output = new ArrayBufferWriter<byte>();
        long[] times = [AuditTestRecords.BaseTime + 999, AuditTestRecords.BaseTime + 1000, AuditTestRecords.BaseTime + 1000 + 86_400_000, AuditTestRecords.BaseTime + 1001];
        string[] expected = ["2026-11-29T04:00:00.999Z", "2026-11-29T04:00:01.000Z", "2026-11-30T04:00:01.000Z", "2026-11-29T04:00:01.001Z"];

        for (var i = 0; i < times.Length; i++)
        {
            output.ResetWrittenCount();
            _ = serializer.Serialize(Slot(AuditTestRecords.Allowed, RequestOutcome.Forwarded, time: times[i]), 0, 1, new byte[32], output);
            using var doc = JsonDocument.Parse(output.WrittenMemory);
            Assert.Equal(expected[i], doc.RootElement.GetProperty("time").GetString());
        }
    }

    /// <summary>Hands out exactly the size asked for, so a record longer than its bound throws instead of spilling into slack.</summary>
    private sealed class ExactBufferWriter : IBufferWriter<byte>
    {
        public byte[] Buffer { get; private set; } = [];

        public int Requested { get; private set; }

        public int Written { get; private set; }

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new NotSupportedException();

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Requested = sizeHint;
            Buffer = new byte[sizeHint];
            return Buffer;
        }
    }
}
