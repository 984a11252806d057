using System.Buffers;
using FastProxy.Core.Observability;

namespace FastProxy.Host.Audit;

/// <summary>
/// Turns one <see cref="AuditSlot"/> into one JSON Lines record with its place in the hash chain.
/// Owned by the background writer; the record is written by hand straight into the output buffer
/// and hashed in place, so a record costs no allocation and no copy once warm.
/// <para>
/// The record's canonical form is exactly the bytes written before the final `,"hash":"…"` member, with
/// the closing `}`: <c>hash = SHA-256(prev (32 raw bytes) || canonical)</c>, where prev is the previous
/// record's hash; schema 2 writes it into the record only when it starts a file (docs/audit.md).
/// </para>
/// </summary>
internal sealed partial class AuditRecordSerializer : IDisposable
{
    /// <summary>Longest text kept from a configuration or token string (rule predicates, subjects); longer ones are cut.</summary>
    private const int MaxStringChars = 4096;

    /// <summary>Most URI SANs of a client certificate recorded (a SPIFFE identity has one; the rest is noise or abuse).</summary>
    private const int MaxUriSans = 16;

    /// <summary>9999-12-31T23:59:59.999Z, the last instant DateTimeOffset can hold (a bogus clock must not throw).</summary>
    private const long MaxUnixMilliseconds = 253_402_300_799_999;

    /// <summary>
    /// Bytes of a record besides its escaped strings: member names and punctuation (~470), six
    /// numbers (20 digits each at most), the time (26), the client address (an IPv6 text with a
    /// scope id is under 70), decision and outcome, `prev` (66). Counted generously.
    /// </summary>
    private const int FixedBytes = 1024;

    /// <summary>`yyyy-MM-ddTHH:mm:ss.fffZ`.</summary>
    private const int TimeLength = 24;

    private readonly AuditHasher _sha = new();

    // One cache per string member that comes from the gate or the proxy (same instances request after request).
    private readonly EscapedTextCache _clientCertificate = new();
    private readonly EscapedTextCache _issuer = new();
    private readonly EscapedTextCache _subject = new();
    private readonly EscapedTextCache _protocol = new();
    private readonly EscapedTextCache _route = new();
    private readonly EscapedTextCache _policyVersion = new();
    private readonly EscapedTextCache _reason = new();
    private readonly EscapedTextCache _rule = new();
    private readonly EscapedTextCache _predicate = new();
    private readonly EscapedTextCache _shadowVerdict = new();
    private readonly EscapedTextCache _upstream = new();
    private readonly byte[] _hash = new byte[AuditFormat.HashBytes];

    /// <summary>`yyyy-MM-ddTHH:mm:ss.` of <see cref="_timeSecond"/>: records of one second share it.</summary>
    private readonly byte[] _timePrefix = new byte[20];
    private long _timeSecond = -1;

    /// <summary>The hash of the last record serialized (raw bytes).</summary>
    public ReadOnlySpan<byte> LastHash => _hash;

    /// <summary>
    /// Serializes <paramref name="slot"/> as record (<paramref name="fileSeq"/>, <paramref name="seq"/>) chained to
    /// <paramref name="prevHash"/> and appends the whole line (with `hash` and `\n`) to <paramref name="output"/>.
    /// </summary>
    /// <returns>The line's length in bytes.</returns>
    public int Serialize(AuditSlot slot, long fileSeq, long seq, ReadOnlySpan<byte> prevHash, IBufferWriter<byte> output)
    {
        var line = output.GetSpan(MaxLineBytes(slot));
        var canonicalLength = WriteCanonical(slot, fileSeq, seq, prevHash, line);
        return Seal(line, canonicalLength, prevHash, output);
    }

    public void Dispose() => _sha.Dispose();

    /// <summary>Hashes the canonical form at the start of <paramref name="line"/>, appends `hash` and the line end, and commits the line to <paramref name="output"/>.</summary>
    private int Seal(Span<byte> line, int canonicalLength, ReadOnlySpan<byte> prevHash, IBufferWriter<byte> output)
    {
        _sha.Hash(prevHash, line[..canonicalLength], _hash);

        // The hash member replaces the canonical form's closing brace.
        var position = canonicalLength - 1;
        AuditJson.WriteRaw(line, ref position, AuditFormat.HashMemberPrefix);
        AuditFormat.ToHex(_hash, line.Slice(position, AuditFormat.HashHexLength));
        position += AuditFormat.HashHexLength;
        AuditJson.WriteRaw(line, ref position, "\"}\n"u8);
        output.Advance(position);
        return position;
    }

    /// <summary>An upper bound of the line's length: every string escaped at its worst.</summary>
    private static int MaxLineBytes(AuditSlot slot)
    {
        var gate = slot.Gate;
        var units = slot.DataLength
            + Chars(slot.ClientCertificate) + Chars(slot.ClientCertificateFingerprint) + UriSanChars(slot.ClientCertificateUriSans)
            + Chars(slot.Protocol) + Chars(slot.Upstream)
            + Chars(gate.Issuer) + Chars(gate.Subject) + Chars(gate.RouteId) + Chars(gate.PolicyVersion)
            + Chars(gate.Reason) + Chars(gate.Rule) + Chars(gate.Predicate) + Chars(gate.ShadowVerdict);
        return FixedBytes + (units * AuditJson.MaxEscapeBytesPerUnit) + AuditFormat.HashSuffixLength + 1;

        static int Chars(string? value) => value is null ? 0 : Math.Min(value.Length, MaxStringChars);

        // Each SAN also costs its quotes and comma (counted as escaped units: an over-estimate is harmless).
        static int UriSanChars(IReadOnlyList<string>? sans)
        {
            var units = 0;
            for (var i = 0; sans is not null && i < Math.Min(sans.Count, MaxUriSans); i++)
            {
                units += Chars(sans[i]) + 3;
            }

            return units;
        }
    }

    /// <summary>
    /// The members every record starts with, request or summary: `{"v":…,"time":"…","file_seq":…,"seq":…`
    /// (time as an RFC 3339 §5.6 date-time, UTC, millisecond precision). Returns the length written.
    /// </summary>
    private int WriteRecordStart(Span<byte> line, long timeUnixMilliseconds, long fileSeq, long seq)
    {
        var p = 0;
        AuditJson.WriteRaw(line, ref p, "{\"v\":"u8);
        AuditJson.WriteNumber(line, ref p, AuditFormat.SchemaVersion);
        AuditJson.WriteRaw(line, ref p, ",\"time\":\""u8);
        p += FormatTime(Math.Clamp(timeUnixMilliseconds, 0, MaxUnixMilliseconds), line[p..]);
        AuditJson.WriteRaw(line, ref p, "\",\"file_seq\":"u8);
        AuditJson.WriteNumber(line, ref p, fileSeq);
        AuditJson.WriteRaw(line, ref p, ",\"seq\":"u8);
        AuditJson.WriteNumber(line, ref p, seq);
        return p;
    }

    /// <summary>
    /// Writes the canonical form (`{…}`, schema 2) at the start of <paramref name="line"/>; returns its length.
    /// Members with no value are left out, `truncated` appears only when true, and `prev` only in a
    /// file's first record (seq 1): every byte left out is a byte neither hashed nor written (docs/audit.md).
    /// </summary>
    private int WriteCanonical(AuditSlot slot, long fileSeq, long seq, ReadOnlySpan<byte> prevHash, Span<byte> line)
    {
        var gate = slot.Gate;
        var p = WriteRecordStart(line, slot.TimeUnixMilliseconds, fileSeq, seq);
        AuditJson.WriteRaw(line, ref p, ",\"request_id\":"u8);
        AuditJson.WriteString(line, ref p, slot.RequestId);
        if (!slot.ClientRequestId.IsEmpty)
        {
            AuditJson.WriteRaw(line, ref p, ",\"client_request_id\":"u8);
            AuditJson.WriteString(line, ref p, slot.ClientRequestId);
        }
        AuditJson.WriteRaw(line, ref p, ",\"trace_id\":"u8);
        AuditJson.WriteString(line, ref p, slot.TraceId);
        if (slot.Client is { } client)
        {
            WriteClient(line, ref p, client);
        }

        WriteOptional(line, ref p, ",\"client_cert\":"u8, slot.ClientCertificate, _clientCertificate);
        if (slot.ClientCertificateFingerprint is { } fingerprint)
        {
            AuditJson.WriteRaw(line, ref p, ",\"client_cert_sha256\":"u8);
            AuditJson.WriteString(line, ref p, fingerprint.AsSpan(0, Math.Min(fingerprint.Length, MaxStringChars)));
        }

        if (slot.ClientCertificateUriSans is { } uriSans)
        {
            AuditJson.WriteRaw(line, ref p, ",\"client_cert_uri_sans\":["u8);
            for (var i = 0; i < Math.Min(uriSans.Count, MaxUriSans); i++)
            {
                if (i > 0)
                {
                    AuditJson.WriteRaw(line, ref p, ","u8);
                }

                var san = uriSans[i];
                AuditJson.WriteString(line, ref p, san.AsSpan(0, Math.Min(san.Length, MaxStringChars)));
            }

            AuditJson.WriteRaw(line, ref p, "]"u8);
        }
        if (gate.Issuer is not null || gate.Subject is not null)
        {
            AuditJson.WriteRaw(line, ref p, ",\"principal\":{"u8);
            if (gate.Issuer is not null)
            {
                AuditJson.WriteRaw(line, ref p, "\"issuer\":"u8);
                WriteText(line, ref p, gate.Issuer, _issuer);
            }

            if (gate.Subject is not null)
            {
                AuditJson.WriteRaw(line, ref p, gate.Issuer is null ? "\"subject\":"u8 : ",\"subject\":"u8);
                WriteText(line, ref p, gate.Subject, _subject);
            }

            line[p++] = (byte)'}';
        }

        AuditJson.WriteRaw(line, ref p, ",\"protocol\":"u8);
        WriteText(line, ref p, slot.Protocol, _protocol);
        AuditJson.WriteRaw(line, ref p, ",\"method\":"u8);
        AuditJson.WriteString(line, ref p, slot.Method);
        AuditJson.WriteRaw(line, ref p, ",\"host\":"u8);
        AuditJson.WriteString(line, ref p, slot.Host);
        AuditJson.WriteRaw(line, ref p, ",\"path\":"u8);
        AuditJson.WriteString(line, ref p, slot.Path);
        if (slot.Truncated)
        {
            AuditJson.WriteRaw(line, ref p, ",\"truncated\":true"u8);
        }

        WriteOptional(line, ref p, ",\"route\":"u8, gate.RouteId, _route);
        WriteOptional(line, ref p, ",\"policy_version\":"u8, gate.PolicyVersion, _policyVersion);
        AuditJson.WriteRaw(line, ref p, IsAllowed(slot) ? ",\"decision\":\"allow\",\"reason\":"u8 : ",\"decision\":\"deny\",\"reason\":"u8);
        WriteText(line, ref p, gate.Reason, _reason);
        WriteOptional(line, ref p, ",\"rule\":"u8, gate.Rule, _rule);
        WriteOptional(line, ref p, ",\"predicate\":"u8, gate.Predicate, _predicate);
        if (gate.Shadow)
        {
            AuditJson.WriteRaw(line, ref p, ",\"shadow\":{\"verdict\":"u8);
            WriteText(line, ref p, gate.ShadowVerdict, _shadowVerdict);
            line[p++] = (byte)'}';
        }

        AuditJson.WriteRaw(line, ref p, ",\"status\":"u8);
        AuditJson.WriteNumber(line, ref p, slot.Status);
        WriteOptional(line, ref p, ",\"upstream\":"u8, slot.Upstream, _upstream);
        AuditJson.WriteRaw(line, ref p, ",\"bytes_in\":"u8);
        AuditJson.WriteNumber(line, ref p, slot.BytesIn);
        AuditJson.WriteRaw(line, ref p, ",\"bytes_out\":"u8);
        AuditJson.WriteNumber(line, ref p, slot.BytesOut);

        // Microseconds as milliseconds with exactly 3 decimals: 1234 µs is 1.234, never 1.2339999.
        AuditJson.WriteRaw(line, ref p, ",\"duration_ms\":"u8);
        p += FormatMilliseconds(slot.DurationMicroseconds, line[p..]);
        AuditJson.WriteRaw(line, ref p, ",\"outcome\":\""u8);
        AuditJson.WriteRaw(line, ref p, OutcomeName(slot.Outcome));
        if (seq == AuditFormat.FirstSeq)
        {
            // A file's first record names its prev, so the file checks on its own once older files are gone.
            AuditJson.WriteRaw(line, ref p, "\",\"prev\":\""u8);
            AuditFormat.ToHex(prevHash, line.Slice(p, AuditFormat.HashHexLength));
            p += AuditFormat.HashHexLength;
        }

        AuditJson.WriteRaw(line, ref p, "\"}"u8);
        return p;
    }

    /// <summary>`,"client":"…"` with the address; nothing when the address cannot be formatted (the member is then absent, as for no address).</summary>
    private static void WriteClient(Span<byte> line, ref int position, System.Net.IPAddress client)
    {
        // An address's text is digits, hex, '.', ':' and '%' + a scope id: nothing to escape.
        var member = ",\"client\":\""u8;
        if (client.TryFormat(line[(position + member.Length)..], out var written))
        {
            AuditJson.WriteRaw(line, ref position, member);
            position += written;
            line[position++] = (byte)'"';
        }
    }

    /// <summary>`name` + the string, or nothing at all when the value is null (schema 2 leaves out members with no value).</summary>
    private static void WriteOptional(Span<byte> line, ref int position, ReadOnlySpan<byte> name, string? value, EscapedTextCache cache)
    {
        if (value is not null)
        {
            AuditJson.WriteRaw(line, ref position, name);
            WriteText(line, ref position, value, cache);
        }
    }

    /// <summary>`yyyy-MM-ddTHH:mm:ss.fffZ` by hand: a custom DateTime format string is parsed on every call and costs more than the rest of the record.</summary>
    internal int FormatTime(long unixMilliseconds, Span<byte> output)
    {
        var second = unixMilliseconds / 1000;
        if (second != _timeSecond)
        {
            var time = DateTimeOffset.FromUnixTimeSeconds(second).UtcDateTime;
            var (year, month, day) = time;
            var prefix = _timePrefix.AsSpan();
            Digits(prefix[..4], year);
            prefix[4] = (byte)'-';
            Digits(prefix.Slice(5, 2), month);
            prefix[7] = (byte)'-';
            Digits(prefix.Slice(8, 2), day);
            prefix[10] = (byte)'T';
            Digits(prefix.Slice(11, 2), time.Hour);
            prefix[13] = (byte)':';
            Digits(prefix.Slice(14, 2), time.Minute);
            prefix[16] = (byte)':';
            Digits(prefix.Slice(17, 2), time.Second);
            prefix[19] = (byte)'.';
            _timeSecond = second;
        }

        _timePrefix.CopyTo(output);
        Digits(output.Slice(20, 3), (int)(unixMilliseconds % 1000));
        output[23] = (byte)'Z';
        return TimeLength;
    }

    /// <summary>Microseconds as a JSON number of milliseconds with three decimals (negative clamps to 0).</summary>
    internal static int FormatMilliseconds(long microseconds, Span<byte> output)
    {
        var value = Math.Max(0, microseconds);
        var written = 0;
        AuditJson.WriteNumber(output, ref written, value / 1000);
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

    internal static ReadOnlySpan<byte> OutcomeName(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Forwarded => "forwarded"u8,
        RequestOutcome.Denied => "denied"u8,
        RequestOutcome.NoRoute => "no_route"u8,
        RequestOutcome.UpstreamFailed => "upstream_failed"u8,
        RequestOutcome.ClientFailed => "client_failed"u8,
        RequestOutcome.AuditUnavailable => "audit_unavailable"u8,
        _ => "unknown"u8,
    };

    /// <summary>Strings (from tokens or configuration): null as `null`, length capped, lone surrogates become U+FFFD.</summary>
    private static void WriteText(Span<byte> line, ref int position, string? value, EscapedTextCache cache)
    {
        if (value is null)
        {
            AuditJson.WriteRaw(line, ref position, "null"u8);
            return;
        }

        cache.Write(line, ref position, value, WriteText);
    }

    private static void WriteText(Span<byte> line, ref int position, string value)
        => AuditJson.WriteString(line, ref position, value.AsSpan(0, Math.Min(value.Length, MaxStringChars)));
}
