using System.Buffers;
using FastProxy.Core.Observability;

namespace FastProxy.Host.Audit;

/// <summary>The summary record: unauthenticated requests counted, not recorded one by one (docs/audit.md).</summary>
internal sealed partial class AuditRecordSerializer
{
    /// <summary>A summary line's bound: fixed members, three times, six counted outcomes (20 digits each at most), `prev`, `hash`.</summary>
    private const int MaxSummaryLineBytes = 1024;

    /// <summary>
    /// Serializes <paramref name="summary"/> as record (<paramref name="fileSeq"/>, <paramref name="seq"/>) chained to
    /// <paramref name="prevHash"/>, exactly like a request record: the same chain, the same `prev` rule, `hash` last.
    /// </summary>
    /// <returns>The line's length in bytes.</returns>
    public int SerializeSummary(AuditSummary summary, long fileSeq, long seq, ReadOnlySpan<byte> prevHash, IBufferWriter<byte> output)
    {
        var line = output.GetSpan(MaxSummaryLineBytes);
        var p = WriteRecordStart(line, summary.TimeUnixMilliseconds, fileSeq, seq);

        // `kind` marks a record that is not one request; request records never carry it.
        AuditJson.WriteRaw(line, ref p, ",\"kind\":\"unrecorded_summary\",\"unrecorded\":"u8);
        AuditJson.WriteNumber(line, ref p, summary.Count);
        AuditJson.WriteRaw(line, ref p, ",\"from\":\""u8);
        p += FormatTime(Math.Clamp(summary.FirstUnixMilliseconds, 0, MaxUnixMilliseconds), line[p..]);
        AuditJson.WriteRaw(line, ref p, "\",\"to\":\""u8);
        p += FormatTime(Math.Clamp(summary.LastUnixMilliseconds, 0, MaxUnixMilliseconds), line[p..]);
        AuditJson.WriteRaw(line, ref p, "\",\"outcomes\":{"u8);
        var first = true;
        for (var i = 0; i < summary.ByOutcome.Length; i++)
        {
            if (summary.ByOutcome[i] == 0)
            {
                continue;
            }

            AuditJson.WriteRaw(line, ref p, first ? "\""u8 : ",\""u8);
            AuditJson.WriteRaw(line, ref p, OutcomeName((RequestOutcome)i));
            AuditJson.WriteRaw(line, ref p, "\":"u8);
            AuditJson.WriteNumber(line, ref p, summary.ByOutcome[i]);
            first = false;
        }

        line[p++] = (byte)'}';
        if (seq == AuditFormat.FirstSeq)
        {
            AuditJson.WriteRaw(line, ref p, ",\"prev\":\""u8);
            AuditFormat.ToHex(prevHash, line.Slice(p, AuditFormat.HashHexLength));
            p += AuditFormat.HashHexLength;
            line[p++] = (byte)'"';
        }

        line[p++] = (byte)'}';
        return Seal(line, p, prevHash, output);
    }
}
