namespace FastProxy.Policy.Identity;

/// <summary>
/// What an entry of a provider's static <c>keys</c> is: inline key text (a JWK or JWKS document, or PEM), or the path
/// of a file holding one, relative to the configuration's directory. One rule for the loader and for whoever watches
/// the files a configuration reads.
/// </summary>
public static class StaticKeyEntry
{
    /// <summary>Whether <paramref name="entry"/> is the key itself rather than a file name.</summary>
    public static bool IsInline(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = entry.Trim();
        return text.StartsWith('{') || text.Contains("-----BEGIN", StringComparison.Ordinal);
    }

    /// <summary>The file a non-inline <paramref name="entry"/> names.</summary>
    public static string FilePath(string entry, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = entry.Trim();
        return Path.IsPathRooted(text) ? text : Path.Combine(baseDirectory, text);
    }
}
