using System.Text.Json;

namespace FastProxy.Policy.Config;

/// <summary>
/// One policy unit test: `{ request: "GET https://api.example.com/orders/7", claims: {...}, expect: allow }`.
/// expect is allow, deny, or a status (401, 403, 404).
/// </summary>
public sealed record PolicyTestConfig
{
    public string Name { get; init; } = "";

    public string Request { get; init; } = "";

    /// <summary>Claims of a validated token; absent for an anonymous request.</summary>
    public JsonElement? Claims { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? Source { get; init; }

    public string Expect { get; init; } = "";
}
