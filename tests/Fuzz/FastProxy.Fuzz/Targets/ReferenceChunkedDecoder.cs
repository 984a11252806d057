namespace FastProxy.Fuzz.Targets;

/// <summary>
/// A second, deliberately plain reading of RFC 9112 §7.1 (chunked coding) and §7.1.2 (trailer section) over the whole
/// input, with the same caps as <see cref="FastProxy.Http.Http1.ChunkedBodyReader"/>: written from the grammar, not from
/// the reader, so the two can be compared. No whitespace anywhere in the framing (no BWS), CRLF only, 1 to 15 hex digits.
/// </summary>
public static class ReferenceChunkedDecoder
{
    public enum Outcome
    {
        NeedMore,
        Done,
        Error,
    }

    public sealed record Result(Outcome Outcome, byte[] Data, IReadOnlyList<string> Trailers, long End);

    public static Result Decode(byte[] input, long maxBodyBytes, int maxChunkLineBytes, int maxTrailerBytes, int maxTrailerFields)
    {
        ArgumentNullException.ThrowIfNull(input);
        var data = new List<byte>();
        var trailers = new List<string>();
        var pos = 0;
        long body = 0;
        while (true)
        {
            var lineEnd = FindLf(input, pos, maxChunkLineBytes + 2L);
            if (lineEnd == -1)
            {
                return new(input.Length - pos >= maxChunkLineBytes + 2L ? Outcome.Error : Outcome.NeedMore, [.. data], trailers, pos);
            }

            if (lineEnd == pos || input[lineEnd - 1] != '\r' || !TryChunkSize(input.AsSpan(pos, lineEnd - 1 - pos), out var size) || size > maxBodyBytes - body)
            {
                return new(Outcome.Error, [.. data], trailers, pos);
            }

            pos = lineEnd + 1;
            if (size == 0)
            {
                break;
            }

            var available = Math.Min(size, input.Length - pos);
            data.AddRange(input.AsSpan(pos, (int)available));
            body += available;
            pos += (int)available;
            if (available < size || pos == input.Length || (input[pos] == '\r' && pos + 1 == input.Length))
            {
                return new(Outcome.NeedMore, [.. data], trailers, pos);
            }

            if (input[pos] != '\r' || input[pos + 1] != '\n')
            {
                return new(Outcome.Error, [.. data], trailers, pos);
            }

            pos += 2;
        }

        var trailerBytes = 0;
        while (true)
        {
            var allowance = (long)maxTrailerBytes - trailerBytes;
            var lineEnd = FindLf(input, pos, allowance);
            if (lineEnd == -1)
            {
                return new(input.Length - pos >= allowance ? Outcome.Error : Outcome.NeedMore, [.. data], trailers, pos);
            }

            if (lineEnd == pos || input[lineEnd - 1] != '\r')
            {
                return new(Outcome.Error, [.. data], trailers, pos);
            }

            var content = input.AsSpan(pos, lineEnd - 1 - pos);
            if (content.IsEmpty)
            {
                return new(Outcome.Done, [.. data], trailers, lineEnd + 1);
            }

            if (!IsFieldLine(content) || trailers.Count + 1 > maxTrailerFields)
            {
                return new(Outcome.Error, [.. data], trailers, pos);
            }

            trailers.Add(Convert.ToHexString(content));
            trailerBytes += lineEnd + 1 - pos;
            pos = lineEnd + 1;
        }
    }

    /// <summary>Index of the first LF in the <paramref name="window"/> bytes from <paramref name="start"/>, or -1.</summary>
    private static int FindLf(byte[] input, int start, long window)
    {
        var end = (int)Math.Min(input.Length, start + window);
        for (var i = start; i < end; i++)
        {
            if (input[i] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    // chunk-size [ chunk-ext ]; chunk-ext = *( ";" token [ "=" ( token / quoted-string ) ] )
    private static bool TryChunkSize(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        var i = 0;
        while (i < line.Length && IsHex(line[i]))
        {
            if (i == 15)
            {
                return false;
            }

            size = (size * 16) + Convert.ToInt32(((char)line[i]).ToString(), 16);
            i++;
        }

        if (i == 0)
        {
            return false;
        }

        while (i < line.Length)
        {
            if (line[i++] != ';')
            {
                return false;
            }

            var nameStart = i;
            while (i < line.Length && IsTChar(line[i]))
            {
                i++;
            }

            if (i == nameStart)
            {
                return false;
            }

            if (i == line.Length || line[i] == ';')
            {
                continue;
            }

            if (line[i++] != '=' || i == line.Length)
            {
                return false;
            }

            if (line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i == line.Length)
                    {
                        return false;
                    }

                    var c = line[i];
                    if (c == '"')
                    {
                        i++;
                        break;
                    }

                    if (c == '\\')
                    {
                        if (i + 1 == line.Length || !IsQuotedPairChar(line[i + 1]))
                        {
                            return false;
                        }

                        i += 2;
                        continue;
                    }

                    if (!IsQdText(c))
                    {
                        return false;
                    }

                    i++;
                }
            }
            else
            {
                var valueStart = i;
                while (i < line.Length && IsTChar(line[i]))
                {
                    i++;
                }

                if (i == valueStart)
                {
                    return false;
                }
            }
        }

        return true;
    }

    // field-line = field-name ":" OWS field-value OWS (RFC 9112 §5); field-value holds no CTL but HTAB, and no DEL.
    private static bool IsFieldLine(ReadOnlySpan<byte> line)
    {
        var i = 0;
        while (i < line.Length && IsTChar(line[i]))
        {
            i++;
        }

        if (i == 0 || i == line.Length || line[i] != ':')
        {
            return false;
        }

        foreach (var c in line[(i + 1)..])
        {
            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHex(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static bool IsTChar(byte c)
        => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z'
            || "!#$%&'*+-.^_`|~"u8.Contains(c);

    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4)
    private static bool IsQdText(byte c) => c is (byte)'\t' or (byte)' ' or 0x21 or >= 0x23 and <= 0x5B or >= 0x5D and <= 0x7E or >= 0x80;

    // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
    private static bool IsQuotedPairChar(byte c) => c is (byte)'\t' or >= 0x20 and <= 0x7E or >= 0x80;
}
