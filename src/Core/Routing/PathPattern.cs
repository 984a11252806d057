using System.Text;

namespace FastProxy.Core.Routing;

/// <summary>A compiled path pattern (see <see cref="RouteSpec"/>): literal bytes plus how the rest may continue.</summary>
internal readonly struct PathPattern
{
    private const byte Slash = (byte)'/';

    private readonly byte[] _literal;
    private readonly PathPatternKind _kind;

    private PathPattern(byte[] literal, PathPatternKind kind)
    {
        _literal = literal;
        _kind = kind;
    }

    public static PathPattern Parse(string pattern)
    {
        if (pattern.Length == 0 || pattern[0] != '/')
        {
            throw new ArgumentException($"path pattern '{pattern}' must start with '/'", nameof(pattern));
        }

        if (pattern.EndsWith("/**", StringComparison.Ordinal))
        {
            return new PathPattern(Encoding.ASCII.GetBytes(pattern[..^3]), PathPatternKind.Subtree);
        }

        if (pattern.EndsWith("/*", StringComparison.Ordinal))
        {
            return new PathPattern(Encoding.ASCII.GetBytes(pattern[..^1]), PathPatternKind.OneSegment);
        }

        if (pattern.Contains('*', StringComparison.Ordinal))
        {
            throw new ArgumentException($"path pattern '{pattern}' may use '*' only as a final '/*' or '/**'", nameof(pattern));
        }

        return new PathPattern(Encoding.ASCII.GetBytes(pattern), PathPatternKind.Exact);
    }

    public bool Matches(ReadOnlySpan<byte> path)
    {
        switch (_kind)
        {
            case PathPatternKind.Exact:
                return path.SequenceEqual(_literal);
            case PathPatternKind.Subtree:
                // "/orders/**" matches "/orders", "/orders/" and "/orders/7/items", never "/ordersX".
                if (!path.StartsWith(_literal))
                {
                    return false;
                }

                return path.Length == _literal.Length || path[_literal.Length] == Slash;
            default:
                // "/orders/*" matches "/orders/7" only: one non-empty segment.
                if (!path.StartsWith(_literal))
                {
                    return false;
                }

                var rest = path[_literal.Length..];
                return rest.Length > 0 && !rest.Contains(Slash);
        }
    }

    private enum PathPatternKind : byte
    {
        Exact,
        Subtree,
        OneSegment,
    }
}
