using System.Text;

namespace FastProxy.Core.Routing;

/// <summary>
/// A compiled path pattern (see <see cref="RouteSpec"/>): literal bytes plus how the rest may continue.
/// A pattern ending in a name ("/admin", "/orders/*") also covers the same path with one trailing
/// slash: most upstream frameworks serve "/admin/" as "/admin", so a route (and its rules) must
/// not let "/admin/" fall through to a later, laxer route.
/// </summary>
internal readonly struct PathPattern
{
    private const byte Slash = (byte)'/';

    private readonly byte[] _literal;
    private readonly PathPatternKind _kind;
    private readonly bool _ignoreCase;

    private PathPattern(byte[] literal, PathPatternKind kind, bool ignoreCase)
    {
        _literal = literal;
        _kind = kind;
        _ignoreCase = ignoreCase;
    }

    /// <param name="pattern">"/x", "/x/*" or "/x/**".</param>
    /// <param name="ignoreCase">Fold ASCII case (for upstreams that route case-insensitively, e.g. ASP.NET Core, IIS).</param>
    public static PathPattern Parse(string pattern, bool ignoreCase = false)
    {
        if (pattern.Length == 0 || pattern[0] != '/')
        {
            throw new ArgumentException($"path pattern '{pattern}' must start with '/'", nameof(pattern));
        }

        if (pattern.EndsWith("/**", StringComparison.Ordinal))
        {
            return new PathPattern(Encoding.ASCII.GetBytes(pattern[..^3]), PathPatternKind.Subtree, ignoreCase);
        }

        if (pattern.EndsWith("/*", StringComparison.Ordinal))
        {
            return new PathPattern(Encoding.ASCII.GetBytes(pattern[..^1]), PathPatternKind.OneSegment, ignoreCase);
        }

        if (pattern.Contains('*', StringComparison.Ordinal))
        {
            throw new ArgumentException($"path pattern '{pattern}' may use '*' only as a final '/*' or '/**'", nameof(pattern));
        }

        // "/admin/" and "/admin" are one pattern: the literal keeps no trailing slash (but "/" stays "/").
        var exact = pattern.Length > 1 && pattern[^1] == '/' ? pattern[..^1] : pattern;
        return new PathPattern(Encoding.ASCII.GetBytes(exact), PathPatternKind.Exact, ignoreCase);
    }

    public bool Matches(ReadOnlySpan<byte> path)
    {
        var literal = _literal;
        if (path.Length < literal.Length || !Same(path[..literal.Length], literal))
        {
            return false;
        }

        var rest = path[literal.Length..];
        switch (_kind)
        {
            case PathPatternKind.Exact:
                // "/admin" matches "/admin" and "/admin/"; "/" only "/".
                return rest.IsEmpty || (rest.Length == 1 && rest[0] == Slash && literal.Length > 1);
            case PathPatternKind.Subtree:
                // "/orders/**" matches "/orders", "/orders/" and "/orders/7/items", never "/ordersX".
                return rest.IsEmpty || rest[0] == Slash;
            default:
                // "/orders/*" matches "/orders/7" and "/orders/7/": one non-empty segment.
                if (!rest.IsEmpty && rest[^1] == Slash)
                {
                    rest = rest[..^1];
                }

                return rest.Length > 0 && !rest.Contains(Slash);
        }
    }

    private bool Same(ReadOnlySpan<byte> path, ReadOnlySpan<byte> literal)
        => _ignoreCase ? Ascii.EqualsIgnoreCase(path, literal) : path.SequenceEqual(literal);

    private enum PathPatternKind : byte
    {
        Exact,
        Subtree,
        OneSegment,
    }
}
