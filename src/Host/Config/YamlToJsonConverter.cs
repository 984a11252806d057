using System.Buffers;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace FastProxy.Host.Config;

/// <summary>
/// Turns a YAML configuration into JSON with YamlDotNet's low-level event <see cref="Parser"/> (no
/// object model, no reflection: safe under native AOT), recording the line of every node on the way.
/// Supported: block and flow mappings and sequences, plain, quoted and block scalars. Plain scalars are
/// typed by the YAML 1.2 core schema (null, booleans, integers, floats, else string); quoted and block
/// scalars are always strings. Refused with a precise error: anchors, aliases, tags, complex keys,
/// duplicate keys and more than one document, since each either hides where a value came from or
/// lets a small file expand into a large one.
/// </summary>
internal static class YamlToJsonConverter
{
    /// <summary>Nesting cap; System.Text.Json's own default maximum depth is also 64.</summary>
    internal const int MaxDepth = 64;

    public static byte[] Convert(string yaml, LineMap lines)
    {
        RefuseControlCharacters(yaml);
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, yaml.Length));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false, MaxDepth = MaxDepth + 1 }))
        {
            using var reader = new StringReader(yaml);
            var parser = new Parser(reader);
            try
            {
                ConvertStream(parser, writer, lines);
            }
            catch (YamlException ex)
            {
                throw new ConfigSyntaxException("", CleanMessage(ex.Message), LineOf(ex.Start));
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException)
            {
                // The scanner is third-party code reading hostile input: whatever it trips over is
                // a malformed document, never a crash of the loader.
                var line = parser.Current is { } current ? LineOf(current.Start) : (int?)null;
                throw new ConfigSyntaxException("", "YAML syntax error: the document could not be read", line);
            }

            writer.Flush();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>YAML 1.2.2 §5.1: C0 controls other than tab, LF and CR (and DEL, C1) may not appear in a stream.</summary>
    private static void RefuseControlCharacters(string yaml)
    {
        var line = 1;
        foreach (var c in yaml)
        {
            if (c == '\n')
            {
                line++;
            }
            else if (c != '\t' && c != '\r' && char.IsControl(c) && c != '\u0085')
            {
                throw new ConfigSyntaxException("", $"control character U+{(int)c:X4} is not allowed in YAML", line);
            }
        }
    }

    private static void ConvertStream(Parser parser, Utf8JsonWriter writer, LineMap lines)
    {
        Next(parser); // StreamStart
        var first = Next(parser);
        if (first is StreamEnd)
        {
            // An empty file is an empty document; validation then says what is missing.
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        if (first is not DocumentStart)
        {
            throw Refuse("", "expected a YAML document", first);
        }

        lines.Set("", LineOf(first.Start));
        var root = Next(parser);
        WriteNode(parser, root, "", 0, writer, lines);

        Next(parser); // DocumentEnd
        var after = Next(parser);
        if (after is DocumentStart)
        {
            throw Refuse("", "more than one YAML document ('---') is not supported; put the whole configuration in one document", after);
        }
    }

    private static void WriteNode(Parser parser, ParsingEvent node, string path, int depth, Utf8JsonWriter writer, LineMap lines)
    {
        if (node is AnchorAlias alias)
        {
            throw Refuse(path, $"YAML aliases (*{alias.Value}) are not supported; write the value out", node);
        }

        if (node is not NodeEvent nodeEvent)
        {
            throw Refuse(path, "expected a value", node);
        }

        RefuseAnchorAndTag(nodeEvent, path);
        if (depth >= MaxDepth)
        {
            throw Refuse(path, $"nesting deeper than {MaxDepth} levels is not supported", node);
        }

        switch (nodeEvent)
        {
            case Scalar scalar:
                WriteScalar(scalar, writer);
                break;
            case MappingStart:
                WriteMapping(parser, path, depth, writer, lines);
                break;
            case SequenceStart:
                WriteSequence(parser, path, depth, writer, lines);
                break;
            default:
                throw Refuse(path, "expected a value", node);
        }
    }

    private static void WriteMapping(Parser parser, string path, int depth, Utf8JsonWriter writer, LineMap lines)
    {
        writer.WriteStartObject();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var keyEvent = Next(parser);
            if (keyEvent is MappingEnd)
            {
                break;
            }

            if (keyEvent is not Scalar key)
            {
                throw Refuse(path, "only plain or quoted scalars may be mapping keys", keyEvent);
            }

            RefuseAnchorAndTag(key, path);
            var childPath = DocumentPath.Property(path, key.Value);
            if (!seen.Add(key.Value))
            {
                throw Refuse(childPath, $"duplicate key '{key.Value}'", key);
            }

            lines.Set(childPath, LineOf(key.Start));
            writer.WritePropertyName(key.Value);
            WriteNode(parser, Next(parser), childPath, depth + 1, writer, lines);
        }

        writer.WriteEndObject();
    }

    private static void WriteSequence(Parser parser, string path, int depth, Utf8JsonWriter writer, LineMap lines)
    {
        writer.WriteStartArray();
        var index = 0;
        while (true)
        {
            var item = Next(parser);
            if (item is SequenceEnd)
            {
                break;
            }

            var itemPath = DocumentPath.Index(path, index++);
            lines.Set(itemPath, LineOf(item.Start));
            WriteNode(parser, item, itemPath, depth + 1, writer, lines);
        }

        writer.WriteEndArray();
    }

    private static void WriteScalar(Scalar scalar, Utf8JsonWriter writer)
    {
        if (scalar.Style != ScalarStyle.Plain)
        {
            writer.WriteStringValue(scalar.Value);
            return;
        }

        var value = scalar.Value;
        switch (YamlCoreSchema.Classify(value))
        {
            case YamlScalarKind.Null:
                writer.WriteNullValue();
                break;
            case YamlScalarKind.True:
                writer.WriteBooleanValue(true);
                break;
            case YamlScalarKind.False:
                writer.WriteBooleanValue(false);
                break;
            case YamlScalarKind.Number:
                if (YamlCoreSchema.TryToJsonNumber(value, out var number))
                {
                    writer.WriteRawValue(number, skipInputValidation: false);
                }
                else
                {
                    // Out of range (e.g. a 20-digit hex) or .inf/.nan: JSON has no such number, so the
                    // value stays a string and the typed property reports it as the wrong kind.
                    writer.WriteStringValue(value);
                }

                break;
            default:
                writer.WriteStringValue(value);
                break;
        }
    }

    private static void RefuseAnchorAndTag(NodeEvent node, string path)
    {
        if (!node.Anchor.IsEmpty)
        {
            throw Refuse(path, $"YAML anchors (&{node.Anchor.Value}) are not supported; write the value out", node);
        }

        if (!node.Tag.IsEmpty)
        {
            throw Refuse(path, $"YAML tags ({node.Tag.Value}) are not supported; write a plain or quoted value", node);
        }
    }

    private static ParsingEvent Next(Parser parser)
    {
        if (!parser.MoveNext() || parser.Current is null)
        {
            throw new ConfigSyntaxException("", "unexpected end of the YAML document", null);
        }

        return parser.Current;
    }

    private static ConfigSyntaxException Refuse(string path, string message, ParsingEvent at)
        => new(path, message, LineOf(at.Start));

    private static int LineOf(Mark mark) => (int)Math.Min(int.MaxValue, mark.Line);

    /// <summary>YamlDotNet prefixes its messages with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the line is reported separately.</summary>
    private static string CleanMessage(string message)
    {
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        var text = message.StartsWith('(') && cut > 0 ? message[(cut + 3)..] : message;
        return "YAML syntax error: " + text.TrimEnd('.');
    }
}
