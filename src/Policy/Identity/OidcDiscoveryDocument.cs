using System.Text.Json.Serialization;

namespace FastProxy.Policy.Identity;

/// <summary>The two fields of an OpenID Provider Metadata document we read (OpenID Connect Discovery 1.0 §3).</summary>
internal sealed class OidcDiscoveryDocument
{
    [JsonPropertyName("issuer")]
    public string? Issuer { get; set; }

    [JsonPropertyName("jwks_uri")]
    public string? JwksUri { get; set; }
}
