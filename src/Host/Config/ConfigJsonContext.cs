using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastProxy.Host.Config;

/// <summary>
/// Source-generated (reflection-free, AOT-safe) System.Text.Json metadata for the whole document.
/// Keys are snake_case, matched case-sensitively; unknown keys are errors (a misspelt `alow:` must not
/// silently drop a rule); null is refused where the model does not allow it; scalars are accepted
/// as text where a string is expected (<see cref="ScalarAsStringConverter"/>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = true,
    MaxDepth = YamlToJsonConverter.MaxDepth + 1,
    Converters = [typeof(ScalarAsStringConverter)])]
[JsonSerializable(typeof(FastProxyConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
