using System.Buffers;

namespace FastProxy.Host.Config;

/// <summary>
/// `identity:` at the level the host owns: provider names unique and non-empty, issuers present,
/// token and cache sizes sane. Key sources, algorithms and rules are the policy compiler's to judge.
/// </summary>
internal static class IdentityValidator
{
    /// <summary>64 KiB: RFC 9110 puts no cap on a field value, but no real JWT comes near this.</summary>
    private const int MaxTokenBytes = 65_536;

    /// <summary>Each entry holds a validated principal; ten million is far past any sensible memory budget.</summary>
    private const int MaxTokenCacheSize = 10_000_000;

    /// <summary>RFC 6838 §4.2 restricted-name characters (the `/` between type and subtype is separate).</summary>
    private static readonly SearchValues<char> MediaTypeNameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&-^_.+");

    /// <summary>RFC 6838 §4.2: a type or subtype name is 1 to 127 characters.</summary>
    private const int MaxMediaTypeNameLength = 127;

    public static void Validate(FastProxyConfig config, ConfigErrorSink errors)
    {
        var identity = config.Identity;
        if (identity is null)
        {
            errors.Add("identity", "must be a mapping");
            return;
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < identity.Providers.Count; i++)
        {
            var path = DocumentPath.Index("identity.providers", i);
            var provider = identity.Providers[i];
            if (provider is null)
            {
                errors.Add(path, "a provider must be a mapping with a name and an issuer");
                continue;
            }

            if (string.IsNullOrWhiteSpace(provider.Name))
            {
                errors.Add(DocumentPath.Property(path, "name"), "a provider needs a non-empty name");
            }
            else if (!names.TryAdd(provider.Name, path))
            {
                errors.Add(DocumentPath.Property(path, "name"), $"duplicate provider name '{provider.Name}' (also {names[provider.Name]})");
            }

            if (string.IsNullOrWhiteSpace(provider.Issuer))
            {
                errors.Add(DocumentPath.Property(path, "issuer"), "a provider needs a non-empty issuer");
            }

            ValidateTokenTypes(provider.TokenTypes, DocumentPath.Property(path, "token_types"), errors);
        }

        if (identity.Token is { } token && token.MaxBytes is < 1 or > MaxTokenBytes)
        {
            errors.Add("identity.token.max_bytes", $"must be from 1 to {MaxTokenBytes}");
        }

        if (identity.TokenCache is { } cache && cache.Size is < 0 or > MaxTokenCacheSize)
        {
            errors.Add("identity.token_cache.size", $"must be from 0 (no cache) to {MaxTokenCacheSize}");
        }
    }

    /// <summary>
    /// token_types (JWT `typ` values, RFC 7515 §4.1.9): each a media type, `subtype` or
    /// `type/subtype` of RFC 6838 names (`at+jwt`, `application/at+jwt`), so a typo cannot make
    /// the provider refuse every token without a word at startup.
    /// </summary>
    private static void ValidateTokenTypes(IReadOnlyList<string>? types, string path, ConfigErrorSink errors)
    {
        if (types is null)
        {
            return;
        }

        for (var j = 0; j < types.Count; j++)
        {
            var type = types[j];
            var slash = type?.IndexOf('/', StringComparison.Ordinal) ?? -1;
            if (type is null || !IsMediaTypeName(slash < 0 ? type : type[..slash]) || (slash >= 0 && !IsMediaTypeName(type[(slash + 1)..])))
            {
                errors.Add(DocumentPath.Index(path, j), "must be a media type such as at+jwt or application/at+jwt (RFC 6838 names, at most one '/')");
            }
        }
    }

    private static bool IsMediaTypeName(string name)
        => name.Length is > 0 and <= MaxMediaTypeNameLength && char.IsAsciiLetterOrDigit(name[0]) && !name.AsSpan().ContainsAnyExcept(MediaTypeNameChars);
}
