using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastProxy.Host.Config;

/// <summary>
/// Reads a string-typed field from any scalar: `equals: 42` or `audiences: [12345]` mean the text
/// "42" and "12345", as they would to a YAML reader; YAML and JSON behave the same. Lists and
/// mappings are still refused.
/// </summary>
internal sealed class ScalarAsStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            JsonTokenType.Null => null,
            // A null message lets System.Text.Json fill in its own with the document path.
            _ => throw new JsonException(null, new InvalidOperationException("Cannot get the value of a list or mapping as a string.")),
        };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => reader.GetString() ?? "";

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);
}
