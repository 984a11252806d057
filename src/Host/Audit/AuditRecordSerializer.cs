using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;
using FastProxy.Core.Observability;

namespace FastProxy.Host.Audit;

/// <summary>
/// Turns one <see cref="AuditSlot"/> into one JSON Lines record with its place in the hash chain.
/// Owned by the background writer; every buffer is reused, so a record costs no allocation once warm.
/// <para>
/// The record's canonical form is exactly the bytes written before the final `,"hash":"…"` member, with
/// the closing `}`: <c>hash = SHA-256(prev (32 raw bytes) || canonical)</c> (docs/audit.md).
/// </para>
/// </summary>
internal sealed class AuditRecordSerializer : IDisposable
{
    private static readonly JsonEncodedText V = JsonEncodedText.Encode("v");
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText FileSeq = JsonEncodedText.Encode("file_seq");
    private static readonly JsonEncodedText Seq = JsonEncodedText.Encode("seq");
    private static readonly JsonEncodedText RequestId = JsonEncodedText.Encode("request_id");
    private static readonly JsonEncodedText TraceId = JsonEncodedText.Encode("trace_id");
    private static readonly JsonEncodedText Client = JsonEncodedText.Encode("client");
    private static readonly JsonEncodedText ClientCert = JsonEncodedText.Encode("client_cert");
    private static readonly JsonEncodedText Principal = JsonEncodedText.Encode("principal");
    private static readonly JsonEncodedText Issuer = JsonEncodedText.Encode("issuer");
    private static readonly JsonEncodedText Subject = JsonEncodedText.Encode("subject");
    private static readonly JsonEncodedText Protocol = JsonEncodedText.Encode("protocol");
    private static readonly JsonEncodedText Method = JsonEncodedText.Encode("method");
    private static readonly JsonEncodedText Host = JsonEncodedText.Encode("host");
    private static readonly JsonEncodedText Path = JsonEncodedText.Encode("path");
    private static readonly JsonEncodedText Truncated = JsonEncodedText.Encode("truncated");
    private static readonly JsonEncodedText Route = JsonEncodedText.Encode("route");
    private static readonly JsonEncodedText PolicyVersion = JsonEncodedText.Encode("policy_version");
    private static readonly JsonEncodedText Decision = JsonEncodedText.Encode("decision");
    private static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText Rule = JsonEncodedText.Encode("rule");
    private static readonly JsonEncodedText Predicate = JsonEncodedText.Encode("predicate");
    private static readonly JsonEncodedText Shadow = JsonEncodedText.Encode("shadow");
    private static readonly JsonEncodedText Verdict = JsonEncodedText.Encode("verdict");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText Upstream = JsonEncodedText.Encode("upstream");
    private static readonly JsonEncodedText BytesIn = JsonEncodedText.Encode("bytes_in");
    private static readonly JsonEncodedText BytesOut = JsonEncodedText.Encode("bytes_out");
    private static readonly JsonEncodedText DurationMs = JsonEncodedText.Encode("duration_ms");
    private static readonly JsonEncodedText Outcome = JsonEncodedText.Encode("outcome");
    private static readonly JsonEncodedText Prev = JsonEncodedText.Encode("prev");
    private static readonly JsonEncodedText Allow = JsonEncodedText.Encode("allow");
    private static readonly JsonEncodedText Deny = JsonEncodedText.Encode("deny");

    /// <summary>Longest text kept from a configuration or token string (rule predicates, subjects); longer ones are cut.</summary>
    private const int MaxStringChars = 4096;

    /// <summary>9999-12-31T23:59:59.999Z, the last instant DateTimeOffset can hold (a bogus clock must not throw).</summary>
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    private readonly ArrayBufferWriter<byte> _body = new(2048);
    private readonly Utf8JsonWriter _json;
    private readonly byte[] _utf8Scratch = new byte[MaxStringChars * 3];
    private readonly char[] _charScratch = new char[AuditSlot.MaxPathBytes + 16];
    private readonly byte[] _hash = new byte[AuditFormat.HashBytes];

    public AuditRecordSerializer()
    {
        // The default encoder escapes every non-ASCII and HTML-sensitive character: records are plain
        // ASCII, so no terminal, log viewer or line splitter can be fooled by what a client sent.
        // SkipValidation: the writer's own call sequence is fixed and covered by tests; the checks cost ~10%.
        _json = new Utf8JsonWriter(_body, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>The hash of the last record serialized (raw bytes).</summary>
    public ReadOnlySpan<byte> LastHash => _hash;

    /// <summary>
    /// Serializes <paramref name="slot"/> as record (<paramref name="fileSeq"/>, <paramref name="seq"/>) chained to
    /// <paramref name="prevHash"/> and appends the whole line (with `hash` and `\n`) to <paramref name="output"/>.
    /// </summary>
    /// <returns>The line's length in bytes.</returns>
    public int Serialize(AuditSlot slot, long fileSeq, long seq, ReadOnlySpan<byte> prevHash, IBufferWriter<byte> output)
    {
        // The buffer holds prev's 32 raw bytes, then the canonical JSON: the hash input in one piece.
        _body.ResetWrittenCount();
        _body.Write(prevHash);
        _json.Reset(_body);
        WriteBody(slot, fileSeq, seq, prevHash);
        _json.Flush();

        _ = SHA256.HashData(_body.WrittenSpan, _hash);
        var canonical = _body.WrittenSpan[AuditFormat.HashBytes..];

        var length = canonical.Length - 1 + AuditFormat.HashSuffixLength + 1;
        var line = output.GetSpan(length);
        canonical[..^1].CopyTo(line);
        var rest = line[(canonical.Length - 1)..];
        AuditFormat.HashMemberPrefix.CopyTo(rest);
        rest = rest[AuditFormat.HashMemberPrefix.Length..];
        AuditFormat.ToHex(_hash, rest);
        rest = rest[AuditFormat.HashHexLength..];
        rest[0] = (byte)'"';
        rest[1] = (byte)'}';
        rest[2] = (byte)'\n';
        output.Advance(length);
        return length;
    }

    public void Dispose()
    {
        _json.Dispose();
    }

    private void WriteBody(AuditSlot slot, long fileSeq, long seq, ReadOnlySpan<byte> prevHash)
    {
        var json = _json;
        var gate = slot.Gate;
        json.WriteStartObject();
        json.WriteNumber(V, AuditFormat.SchemaVersion);

        // RFC 3339 §5.6 date-time, UTC, millisecond precision.
        // 128 bytes: the longest IPv6 text with a scope id is under 70.
        Span<byte> text = stackalloc byte[128];
        var written = FormatTime(Math.Clamp(slot.TimeUnixMilliseconds, 0, MaxUnixMilliseconds), text);
        json.WriteString(Time, text[..written]);

        json.WriteNumber(FileSeq, fileSeq);
        json.WriteNumber(Seq, seq);
        WriteBytes(RequestId, slot.RequestId);
        WriteBytes(TraceId, slot.TraceId);
        if (slot.Client is { } client && client.TryFormat(text, out written))
        {
            json.WriteString(Client, text[..written]);
        }
        else
        {
            json.WriteNull(Client);
        }

        WriteText(ClientCert, slot.ClientCertificate);
        if (gate.Issuer is null && gate.Subject is null)
        {
            json.WriteNull(Principal);
        }
        else
        {
            json.WriteStartObject(Principal);
            WriteText(Issuer, gate.Issuer);
            WriteText(Subject, gate.Subject);
            json.WriteEndObject();
        }

        WriteText(Protocol, slot.Protocol);
        WriteBytes(Method, slot.Method);
        WriteBytes(Host, slot.Host);
        WriteBytes(Path, slot.Path);
        json.WriteBoolean(Truncated, slot.Truncated);
        WriteText(Route, gate.RouteId);
        WriteText(PolicyVersion, gate.PolicyVersion);
        json.WriteString(Decision, IsAllowed(slot) ? Allow : Deny);
        WriteText(Reason, gate.Reason);
        WriteText(Rule, gate.Rule);
        WriteText(Predicate, gate.Predicate);
        if (gate.Shadow)
        {
            json.WriteStartObject(Shadow);
            WriteText(Verdict, gate.ShadowVerdict);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull(Shadow);
        }

        json.WriteNumber(Status, slot.Status);
        WriteText(Upstream, slot.Upstream);
        json.WriteNumber(BytesIn, slot.BytesIn);
        json.WriteNumber(BytesOut, slot.BytesOut);

        // Microseconds as milliseconds with exactly 3 decimals: 1234 µs is 1.234, never 1.2339999.
        json.WritePropertyName(DurationMs);
        json.WriteRawValue(text[..FormatMilliseconds(slot.DurationMicroseconds, text)], skipInputValidation: true);
        json.WriteString(Outcome, OutcomeName(slot.Outcome));

        Span<byte> hex = stackalloc byte[AuditFormat.HashHexLength];
        AuditFormat.ToHex(prevHash, hex);
        json.WriteString(Prev, hex);
        json.WriteEndObject();
    }

    /// <summary>`yyyy-MM-ddTHH:mm:ss.fffZ` by hand: a custom DateTime format string is parsed on every call and costs more than the rest of the record.</summary>
    internal static int FormatTime(long unixMilliseconds, Span<byte> output)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime;
        Digits(output[..4], time.Year);
        output[4] = (byte)'-';
        Digits(output.Slice(5, 2), time.Month);
        output[7] = (byte)'-';
        Digits(output.Slice(8, 2), time.Day);
        output[10] = (byte)'T';
        Digits(output.Slice(11, 2), time.Hour);
        output[13] = (byte)':';
        Digits(output.Slice(14, 2), time.Minute);
        output[16] = (byte)':';
        Digits(output.Slice(17, 2), time.Second);
        output[19] = (byte)'.';
        Digits(output.Slice(20, 3), time.Millisecond);
        output[23] = (byte)'Z';
        return 24;
    }

    /// <summary>Microseconds as a JSON number of milliseconds with three decimals (negative clamps to 0).</summary>
    internal static int FormatMilliseconds(long microseconds, Span<byte> output)
    {
        var value = Math.Max(0, microseconds);
        _ = (value / 1000).TryFormat(output, out var written, default, CultureInfo.InvariantCulture);
        output[written] = (byte)'.';
        Digits(output.Slice(written + 1, 3), (int)(value % 1000));
        return written + 4;
    }

    private static void Digits(Span<byte> output, int value)
    {
        for (var i = output.Length - 1; i >= 0; i--)
        {
            output[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>Allowed when the request went (or was meant to go) upstream; a client failure after the gate keeps the gate's verdict.</summary>
    internal static bool IsAllowed(AuditSlot slot) => slot.Outcome switch
    {
        RequestOutcome.Forwarded or RequestOutcome.UpstreamFailed => true,
        RequestOutcome.ClientFailed => slot.Gate.Reason is "allowed" or "public",
        _ => false,
    };

    internal static string OutcomeName(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Forwarded => "forwarded",
        RequestOutcome.Denied => "denied",
        RequestOutcome.NoRoute => "no_route",
        RequestOutcome.UpstreamFailed => "upstream_failed",
        RequestOutcome.ClientFailed => "client_failed",
        RequestOutcome.AuditUnavailable => "audit_unavailable",
        _ => "unknown",
    };

    /// <summary>Request bytes (attacker-controlled): valid UTF-8 is escaped as is, invalid UTF-8 is decoded with U+FFFD replacements first.</summary>
    private void WriteBytes(JsonEncodedText name, ReadOnlySpan<byte> value)
    {
        if (Utf8.IsValid(value))
        {
            _json.WriteString(name, value);
            return;
        }

        _ = Utf8.ToUtf16(value, _charScratch, out _, out var chars, replaceInvalidSequences: true);
        _json.WriteString(name, _charScratch.AsSpan(0, chars));
    }

    /// <summary>Strings (from tokens or configuration): lone surrogates become U+FFFD, length is capped.</summary>
    private void WriteText(JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            _json.WriteNull(name);
            return;
        }

        var chars = value.AsSpan(0, Math.Min(value.Length, MaxStringChars));
        _ = Utf8.FromUtf16(chars, _utf8Scratch, out _, out var bytes, replaceInvalidSequences: true);
        _json.WriteString(name, _utf8Scratch.AsSpan(0, bytes));
    }
}
