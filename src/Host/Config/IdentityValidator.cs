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
}
