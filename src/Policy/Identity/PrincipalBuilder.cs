using System.Text.Json;

namespace FastProxy.Policy.Identity;

/// <summary>
/// Turns a token payload (already validated) or a test's claims object into a <see cref="Principal"/>.
/// Runs once per validated token (cache miss), never per request.
/// </summary>
internal static class PrincipalBuilder
{
    private static readonly char[] ScopeSeparator = [' '];

    /// <summary>Upper bound on values kept per claim: a hostile or buggy IdP cannot make evaluation unbounded.</summary>
    private const int MaxValuesPerClaim = 256;

    public static Principal Build(JsonElement payload, ClaimTable table, int providerIndex, int routeCount, long keyGeneration, byte[]? tokenBytes, ulong tokenHash)
    {
        var claims = new ClaimValue[table.Count];
        for (var i = 0; i < claims.Length; i++)
        {
            claims[i] = TryResolve(payload, table.Paths[i], out var value) ? ToClaimValue(value) : ClaimValue.Missing;
        }

        var issuer = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("iss", out var iss) && iss.ValueKind == JsonValueKind.String
            ? iss.GetString()!
            : "";
        string? subject = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String
            ? sub.GetString()
            : null;
        var expires = long.MaxValue;
        if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("exp", out var exp) && exp.ValueKind == JsonValueKind.Number && exp.TryGetDouble(out var seconds))
        {
            expires = seconds >= 253402300799 ? DateTimeOffset.MaxValue.UtcTicks : DateTimeOffset.UnixEpoch.AddSeconds(Math.Max(0, seconds)).UtcTicks;
        }

        return new Principal(providerIndex, issuer, subject, claims, ReadScopes(payload), expires, routeCount)
        {
            KeyGeneration = keyGeneration,
            TokenBytes = tokenBytes,
            TokenHash = tokenHash,
        };
    }

    /// <summary>
    /// Resolves a claim path: the whole name first (claim names may contain dots, e.g. URLs), then
    /// a dotted walk through nested objects (`realm_access.roles`).
    /// </summary>
    public static bool TryResolve(JsonElement root, string path, out JsonElement value)
    {
        value = default;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (root.TryGetProperty(path, out value))
        {
            return true;
        }

        var current = root;
        var rest = path.AsSpan();
        while (true)
        {
            var dot = rest.IndexOf('.');
            var segment = dot < 0 ? rest : rest[..dot];
            if (current.ValueKind != JsonValueKind.Object || segment.IsEmpty || !current.TryGetProperty(segment, out var next))
            {
                value = default;
                return false;
            }

            if (dot < 0)
            {
                value = next;
                return true;
            }

            current = next;
            rest = rest[(dot + 1)..];
        }
    }

    public static ClaimValue ToClaimValue(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return new ClaimValue([value.GetString()!], isArray: false, present: true);
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return new ClaimValue([value.GetRawText()], isArray: false, present: true);
            case JsonValueKind.Array:
                var list = new List<string>(Math.Min(value.GetArrayLength(), MaxValuesPerClaim));
                foreach (var item in value.EnumerateArray())
                {
                    if (list.Count == MaxValuesPerClaim)
                    {
                        break;
                    }

                    if (item.ValueKind == JsonValueKind.String)
                    {
                        list.Add(item.GetString()!);
                    }
                    else if (item.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                    {
                        list.Add(item.GetRawText());
                    }
                }

                return new ClaimValue([.. list], isArray: true, present: true);
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return ClaimValue.Missing;
            default:
                // An object claim is present but has no scalar values to compare.
                return new ClaimValue([], isArray: false, present: true);
        }
    }

    /// <summary>OAuth scopes: space-delimited `scope` (RFC 8693 §4.2) and `scp` as a string or an array.</summary>
    private static string[] ReadScopes(JsonElement payload)
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var scopes = new List<string>();
        if (payload.TryGetProperty("scope", out var scope) && scope.ValueKind == JsonValueKind.String)
        {
            scopes.AddRange(scope.GetString()!.Split(ScopeSeparator, StringSplitOptions.RemoveEmptyEntries));
        }

        if (payload.TryGetProperty("scp", out var scp))
        {
            if (scp.ValueKind == JsonValueKind.String)
            {
                scopes.AddRange(scp.GetString()!.Split(ScopeSeparator, StringSplitOptions.RemoveEmptyEntries));
            }
            else if (scp.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in scp.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && scopes.Count < MaxValuesPerClaim)
                    {
                        scopes.Add(item.GetString()!);
                    }
                }
            }
        }

        return [.. scopes];
    }
}
