using System.Text.Json;

namespace FastProxy.Host.Audit;

/// <summary>
/// Reads the chain members (`v`, `file_seq`, `seq`, `prev`, `hash`) of one record line, schema 1 or 2
/// (docs/audit.md). Strict: a line the writer could not have produced is refused, so the verifier
/// and the file sink's restart never have two readings of the same record.
/// </summary>
internal static class AuditRecordReader
{
    /// <summary>Member bits: each chain member at most once.</summary>
    private const int SeenVersion = 1;
    private const int SeenFileSeq = 2;
    private const int SeenSeq = 4;
    private const int SeenPrev = 8;
    private const int SeenHash = 16;

    /// <summary>False when the line is not one JSON object with well-formed chain members for its schema version.</summary>
    public static bool TryReadChainFields(ReadOnlySpan<byte> line, out AuditChainFields fields) => TryReadChainFields(line, out fields, out _);

    /// <summary>As <see cref="TryReadChainFields(ReadOnlySpan{byte}, out AuditChainFields)"/>; <paramref name="problem"/> says what is wrong (for `audit verify`).</summary>
    public static bool TryReadChainFields(ReadOnlySpan<byte> line, out AuditChainFields fields, out string? problem)
    {
        fields = default;
        problem = Read(line, out var version, out var fileSeq, out var seq, out var prev, out var hash);
        if (problem is not null)
        {
            return false;
        }

        problem = Check(version, fileSeq, seq, prev, hash);
        if (problem is not null)
        {
            return false;
        }

        fields = new AuditChainFields(version, fileSeq, seq, prev, hash!);
        return true;
    }

    /// <summary>The schema's rules for the members read (null: the record is well-formed).</summary>
    private static string? Check(int version, long fileSeq, long seq, byte[]? prev, byte[]? hash)
    {
        if (version is not (AuditFormat.SchemaVersion1 or AuditFormat.SchemaVersion))
        {
            return version < 0 ? "no schema version" : $"unknown schema version {version}";
        }

        if (fileSeq < 0)
        {
            return "no file_seq";
        }

        if (seq < 1)
        {
            return seq < 0 ? "no seq" : "seq 0 (records count from 1)";
        }

        if (hash is null)
        {
            return "no hash";
        }

        if (version == AuditFormat.SchemaVersion1)
        {
            return prev is null ? "no prev" : null;
        }

        // Schema 2: `prev` in a file's first record only. A later record's prev is the hash of the line
        // before it; a `prev` member there is refused rather than given a second meaning (docs/audit.md).
        if (seq == AuditFormat.FirstSeq)
        {
            return prev is null ? "no prev in a file's first record" : null;
        }

        return prev is null ? null : "prev in a version 2 record after the first of its file";
    }

    private static string? Read(ReadOnlySpan<byte> line, out int version, out long fileSeq, out long seq, out byte[]? prev, out byte[]? hash)
    {
        version = -1;
        fileSeq = -1;
        seq = -1;
        prev = null;
        hash = null;
        var seen = 0;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "not a JSON object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var member = reader.ValueTextEquals("v"u8) ? SeenVersion
                    : reader.ValueTextEquals("file_seq"u8) ? SeenFileSeq
                    : reader.ValueTextEquals("seq"u8) ? SeenSeq
                    : reader.ValueTextEquals("prev"u8) ? SeenPrev
                    : reader.ValueTextEquals("hash"u8) ? SeenHash
                    : 0;
                if ((seen & member) != 0)
                {
                    return "a chain member appears twice";
                }

                seen |= member;
                _ = reader.Read();
                switch (member)
                {
                    case SeenVersion:
                        if (!TryReadNumber(ref reader, out var v) || v > int.MaxValue)
                        {
                            return "v is not a schema version";
                        }

                        version = (int)v;
                        break;
                    case SeenFileSeq:
                        if (!TryReadNumber(ref reader, out fileSeq))
                        {
                            return "file_seq is not a non-negative integer";
                        }

                        break;
                    case SeenSeq:
                        if (!TryReadNumber(ref reader, out seq))
                        {
                            return "seq is not a non-negative integer";
                        }

                        break;
                    case SeenPrev:
                        if (!TryReadHash(ref reader, out prev))
                        {
                            return "prev is not 64 lower-case hex digits";
                        }

                        break;
                    case SeenHash:
                        if (!TryReadHash(ref reader, out hash))
                        {
                            return "hash is not 64 lower-case hex digits";
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            // Exactly one object and nothing after it.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return "not exactly one JSON object";
            }
        }
        catch (JsonException)
        {
            return "not valid JSON";
        }

        return null;
    }

    /// <summary>A non-negative integer (a negative one is as wrong as a missing one).</summary>
    private static bool TryReadNumber(ref Utf8JsonReader reader, out long value)
    {
        value = -1;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value) && value >= 0;
    }

    private static bool TryReadHash(ref Utf8JsonReader reader, out byte[]? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.ValueSpan.Length != AuditFormat.HashHexLength)
        {
            return false;
        }

        var bytes = new byte[AuditFormat.HashBytes];
        if (!AuditFormat.TryFromHex(reader.ValueSpan, bytes))
        {
            return false;
        }

        value = bytes;
        return true;
    }
}
