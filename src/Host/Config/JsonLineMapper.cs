using System.Text.Json;

namespace FastProxy.Host.Config;

/// <summary>
/// Walks a JSON configuration once before it is deserialized: records the line of every node (so
/// validation errors can point at it, as they do for YAML), refuses duplicate keys (which
/// System.Text.Json would otherwise resolve silently, last one wins) and reports syntax errors with
/// their line. Comments and trailing commas are allowed, as for deserialization.
/// </summary>
internal static class JsonLineMapper
{
    public static void Map(ReadOnlySpan<byte> json, LineMap lines)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = YamlToJsonConverter.MaxDepth,
        });

        var frames = new Stack<Frame>();
        var line = 1;
        var counted = 0;
        var currentPath = "";
        try
        {
            while (reader.Read())
            {
                var start = checked((int)reader.TokenStartIndex);
                line += json[counted..start].Count((byte)'\n');
                counted = start;

                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                    {
                        var frame = frames.Peek();
                        var name = reader.GetString() ?? "";
                        currentPath = DocumentPath.Property(frame.Path, name);
                        if (!frame.Keys!.Add(name))
                        {
                            throw new ConfigSyntaxException(currentPath, $"duplicate key '{name}'", line);
                        }

                        frame.Property = currentPath;
                        lines.Set(currentPath, line);
                        break;
                    }

                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        currentPath = ValuePath(frames, line, lines);
                        frames.Push(new Frame(currentPath, reader.TokenType == JsonTokenType.StartArray));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    default:
                        currentPath = ValuePath(frames, line, lines);
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw new ConfigSyntaxException(currentPath, "JSON syntax error: " + CleanMessage(ex.Message), (int)(ex.LineNumber ?? (line - 1)) + 1);
        }
    }

    /// <summary>"'x' is an invalid start of a value. LineNumber: 3 | BytePositionInLine: 4." -> "'x' is an invalid start of a value".</summary>
    internal static string CleanMessage(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = cut >= 0 ? message[..cut] : message;
        cut = text.IndexOf(" Path:", StringComparison.Ordinal);
        text = cut >= 0 ? text[..cut] : text;
        return text.TrimEnd(' ', '.', '|');
    }

    private static string ValuePath(Stack<Frame> frames, int line, LineMap lines)
    {
        if (frames.Count == 0)
        {
            lines.Set("", line);
            return "";
        }

        var frame = frames.Peek();
        if (!frame.IsArray)
        {
            return frame.Property ?? frame.Path;
        }

        var path = DocumentPath.Index(frame.Path, frame.NextIndex++);
        lines.Set(path, line);
        return path;
    }

    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;

        public bool IsArray { get; } = isArray;

        public HashSet<string>? Keys { get; } = isArray ? null : new HashSet<string>(StringComparer.Ordinal);

        public string? Property { get; set; }

        public int NextIndex { get; set; }
    }
}
