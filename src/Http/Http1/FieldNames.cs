using System.Text;

namespace FastProxy.Http.Http1;

/// <summary>
/// Compares client field names with the names the proxy owns the way the upstreams that read them will.
/// CGI, WSGI, Rack and PHP expose every field as an environment-style variable (<c>HTTP_X_USER_ID</c>): both
/// <c>X-User-Id</c> and <c>X_User_Id</c> land in the same variable, and which copy wins is up to the server. A client
/// field that equals an owned name once <c>_</c> is read as <c>-</c> and case is folded is therefore the owned field.
/// </summary>
internal static class FieldNames
{
    private const byte Underscore = (byte)'_';
    private const byte Hyphen = (byte)'-';

    // The longest KnownHeaders name ("proxy-authorization"); a longer name cannot be the underscore spelling of one.
    private const int LongestKnownName = 19;

    /// <summary>True when <paramref name="name"/> holds an underscore, so it may be another spelling of an owned name.</summary>
    public static bool HasUnderscore(ReadOnlySpan<byte> name) => name.Contains(Underscore);

    /// <summary>The known field <paramref name="name"/> spells with underscores (<c>X_Forwarded_For</c>), or Unknown.</summary>
    public static KnownHeader LookupUnderscoreSpelling(ReadOnlySpan<byte> name)
    {
        if (name.Length > LongestKnownName)
        {
            return KnownHeader.Unknown;
        }

        Span<byte> hyphenated = stackalloc byte[LongestKnownName];
        hyphenated = hyphenated[..name.Length];
        name.CopyTo(hyphenated);
        hyphenated.Replace(Underscore, Hyphen);
        return KnownHeaders.Lookup(hyphenated);
    }

    /// <summary>
    /// Field-name equality (ASCII case-insensitive, RFC 9110 §5.1); when <paramref name="foldUnderscores"/>, an
    /// underscore in <paramref name="name"/> also matches a hyphen in <paramref name="owned"/>.
    /// </summary>
    public static bool Equal(ReadOnlySpan<byte> name, ReadOnlySpan<byte> owned, bool foldUnderscores)
    {
        if (name.Length != owned.Length)
        {
            return false;
        }

        // The vectorised compare settles the usual case; the byte loop runs only for a name that holds an underscore.
        if (Ascii.EqualsIgnoreCase(name, owned))
        {
            return true;
        }

        if (!foldUnderscores || !HasUnderscore(name))
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i] == Underscore ? Hyphen : name[i];
            if (c != owned[i] && char.ToLowerInvariant((char)c) != char.ToLowerInvariant((char)owned[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="name"/> starts with <paramref name="prefix"/>, compared as by <see cref="Equal"/>.</summary>
    public static bool StartsWith(ReadOnlySpan<byte> name, ReadOnlySpan<byte> prefix, bool foldUnderscores)
        => name.Length >= prefix.Length && Equal(name[..prefix.Length], prefix, foldUnderscores);
}
