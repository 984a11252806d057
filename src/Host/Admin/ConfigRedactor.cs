using System.Text.Json;
using System.Text.Json.Nodes;
using FastProxy.Host.Config;

namespace FastProxy.Host.Admin;

/// <summary>
/// The effective configuration as JSON for /config, with secrets replaced by "[redacted]".
/// Fails closed by name: every string under a property whose name looks secret (key, secret,
/// token, password, credential, private, cookie, authorization) is redacted, whatever it holds, so
/// a config field added later with such a name is covered without touching this code. Numbers and
/// booleans stay (`max_key_age_seconds` is not a secret). User info in URLs is redacted too.
/// </summary>
public static class ConfigRedactor
{
    public const string Redacted = "[redacted]";

    private static readonly string[] SecretNameParts = ["key", "secret", "token", "password", "passwd", "credential", "private", "cookie", "authorization"];

    private static readonly char[] AuthorityEnd = ['/', '?', '#'];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string ToRedactedJson(FastProxyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = JsonSerializer.SerializeToNode(config, ConfigJsonContext.Default.FastProxyConfig);
        var redacted = Redact(node, secret: false);
        return redacted?.ToJsonString(Indented) ?? "null";
    }

    /// <summary>Redacts a JSON document (exposed for tests and for documents not bound to <see cref="FastProxyConfig"/>).</summary>
    public static JsonNode? Redact(JsonNode? node, bool secret)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    obj[name] = Redact(obj[name], secret || IsSecretName(name));
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var item = array[i];
                    array[i] = null;
                    array[i] = Redact(item, secret);
                }

                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return secret ? JsonValue.Create(Redacted) : JsonValue.Create(RedactUserInfo(value.GetValue<string>()));
            default:
                return node;
        }
    }

    public static bool IsSecretName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var part in SecretNameParts)
        {
            if (name.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // "https://user:pass@idp.example/jwks" -> "https://[redacted]@idp.example/jwks": the user info
    // is the part of the authority (between "://" and the next '/', '?' or '#') before its last '@'.
    private static string RedactUserInfo(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            return text;
        }

        var start = scheme + 3;
        var end = text.IndexOfAny(AuthorityEnd, start);
        if (end < 0)
        {
            end = text.Length;
        }

        if (end <= start)
        {
            return text;
        }

        var at = text.LastIndexOf('@', end - 1, end - start);
        return at < 0 ? text : string.Concat(text.AsSpan(0, start), Redacted, text.AsSpan(at));
    }
}
