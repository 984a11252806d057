using System.Text.Json.Serialization;
using FastProxy.Policy.Config;

namespace FastProxy.Policy.Identity;

/// <summary>Source-generated System.Text.Json metadata (AOT-safe, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OidcDiscoveryDocument))]
[JsonSerializable(typeof(PolicyDocument))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;
