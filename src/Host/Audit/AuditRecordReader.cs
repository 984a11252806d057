using System.Text.Json;

namespace FastProxy.Host.Audit;

/// <summary>Reads the chain fields (`file_seq`, `seq`, `prev`, `hash`) of one record line.</summary>
internal static class AuditRecordReader
{
    /// <summary>False when the line is not one JSON object with all four fields well-formed.</summary>
    public static bool TryReadChainFields(ReadOnlySpan<byte> line, out long fileSeq, out long seq, out byte[] prev, out byte[] hash)
    {
        fileSeq = -1;
        seq = -1;
        prev = [];
        hash = [];
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("file_seq"u8))
                {
                    _ = reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out fileSeq))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("seq"u8))
                {
                    _ = reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out seq))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("prev"u8))
                {
                    if (!TryReadHash(ref reader, out prev))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("hash"u8))
                {
                    if (!TryReadHash(ref reader, out hash))
                    {
                        return false;
                    }
                }
                else
                {
                    _ = reader.Read();
                    reader.Skip();
                }
            }

            // Exactly one object and nothing after it.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return fileSeq >= 0 && seq >= 1 && prev.Length == AuditFormat.HashBytes && hash.Length == AuditFormat.HashBytes;
    }

    private static bool TryReadHash(ref Utf8JsonReader reader, out byte[] value)
    {
        value = [];
        _ = reader.Read();
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
