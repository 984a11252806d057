using System.Text;

namespace FastProxy.Policy.Evaluation;

/// <summary>
/// Path glob of a rule or route: "/x" exactly, "/x/*" one non-empty segment below /x, "/x/**"
/// /x itself and everything below it (never "/xy"). Same semantics as the route table's patterns:
/// "/x" and "/x/*" also cover their path with one trailing slash ("/x/", "/x/7/"), which most
/// upstreams serve as the path without it; matching folds ASCII case when the route says so.
/// </summary>
internal sealed class PathGlob
{
    private const byte Slash = (byte)'/';

    private PathGlob(string text, byte[] literal, PathGlobKind kind)
    {
        Text = text;
        Literal = literal;
        Kind = kind;
    }

    public string Text { get; }

    public byte[] Literal { get; }

    public PathGlobKind Kind { get; }

    public static PathGlob? TryParse(string pattern, out string? error)
    {
        error = null;
        if (pattern.Length == 0 || pattern[0] != '/')
        {
            error = $"path '{pattern}' must start with '/'";
            return null;
        }

        if (!Ascii.IsValid(pattern))
        {
            error = $"path '{pattern}' must be ASCII (percent-encode other characters)";
            return null;
        }

        if (pattern.EndsWith("/**", StringComparison.Ordinal) && !pattern[..^3].Contains('*', StringComparison.Ordinal))
        {
            return new PathGlob(pattern, Encoding.ASCII.GetBytes(pattern[..^3]), PathGlobKind.Subtree);
        }

        if (pattern.EndsWith("/*", StringComparison.Ordinal) && !pattern[..^2].Contains('*', StringComparison.Ordinal))
        {
            return new PathGlob(pattern, Encoding.ASCII.GetBytes(pattern[..^1]), PathGlobKind.OneSegment);
        }

        if (pattern.Contains('*', StringComparison.Ordinal))
        {
            error = $"path '{pattern}' may use '*' only as a final '/*' or '/**'";
            return null;
        }

        // "/x/" and "/x" are one glob: the literal keeps no trailing slash (but "/" stays "/").
        var exact = pattern.Length > 1 && pattern[^1] == '/' ? pattern[..^1] : pattern;
        return new PathGlob(pattern, Encoding.ASCII.GetBytes(exact), PathGlobKind.Exact);
    }

    public bool Matches(ReadOnlySpan<byte> path) => Matches(path, ignoreCase: false);

    /// <param name="path">The request path as received.</param>
    /// <param name="ignoreCase">Fold ASCII case (the route's `case_insensitive_paths`).</param>
    public bool Matches(ReadOnlySpan<byte> path, bool ignoreCase)
    {
        var literal = Literal;
        if (path.Length < literal.Length
            || !(ignoreCase ? Ascii.EqualsIgnoreCase(path[..literal.Length], literal) : path[..literal.Length].SequenceEqual(literal)))
        {
            return false;
        }

        var rest = path[literal.Length..];
        switch (Kind)
        {
            case PathGlobKind.Exact:
                return rest.IsEmpty || (rest.Length == 1 && rest[0] == Slash && literal.Length > 1);
            case PathGlobKind.Subtree:
                return rest.IsEmpty || rest[0] == Slash;
            default:
                if (!rest.IsEmpty && rest[^1] == Slash)
                {
                    rest = rest[..^1];
                }

                return rest.Length > 0 && !rest.Contains(Slash);
        }
    }

    /// <summary>True when every path this glob's <paramref name="other"/> matches is also matched by this one.</summary>
    public bool Covers(PathGlob other)
    {
        switch (Kind)
        {
            case PathGlobKind.Subtree:
                return other.Kind switch
                {
                    PathGlobKind.Subtree => Matches(other.Literal),
                    PathGlobKind.OneSegment => Matches(other.Literal.AsSpan(0, other.Literal.Length - 1)) || Matches(other.Literal),
                    _ => Matches(other.Literal),
                };
            case PathGlobKind.OneSegment:
                return other.Kind switch
                {
                    PathGlobKind.OneSegment => other.Literal.AsSpan().SequenceEqual(Literal),
                    PathGlobKind.Exact => Matches(other.Literal),
                    _ => false,
                };
            default:
                return other.Kind == PathGlobKind.Exact && other.Literal.AsSpan().SequenceEqual(Literal);
        }
    }

    /// <summary>True when no path is matched by both (conservative: false when unsure).</summary>
    public bool IsDisjointFrom(PathGlob other)
    {
        // Each glob's match set is contained in the subtree of its literal prefix (without the
        // trailing slash); two subtrees are disjoint when neither prefix is inside the other.
        var a = Prefix(this);
        var b = Prefix(other);
        return !InSubtree(a, b) && !InSubtree(b, a);

        static ReadOnlySpan<byte> Prefix(PathGlob glob)
            => glob.Kind == PathGlobKind.OneSegment ? glob.Literal.AsSpan(0, Math.Max(1, glob.Literal.Length - 1)) : glob.Literal;

        static bool InSubtree(ReadOnlySpan<byte> path, ReadOnlySpan<byte> root)
            => root.Length <= 1 || (path.StartsWith(root) && (path.Length == root.Length || path[root.Length] == Slash));
    }

    public override string ToString() => Text;
}
