using System.Buffers;

namespace FastProxy.Http.Semantics;

/// <summary>
/// Request-target checks every protocol applies, on bytes, without allocating: the HTTP/1.1 parser calls them on the
/// request line and Host, HTTP/2 on <c>:path</c> and <c>:authority</c>. The gate matches exactly these bytes and the
/// forwarder sends exactly these bytes upstream, so a protocol that skipped a check would be a way around the policy.
/// Syntax that belongs to one protocol (request-line forms, absolute-form schemes) stays in that protocol.
/// </summary>
public static class RequestTarget
{
    // RFC 3986 §3.2.3: port = *DIGIT; 65535 is the largest TCP port, so at most five digits.
    private const int MaxPortDigits = 5;

    private const byte Slash = (byte)'/';
    private const byte Colon = (byte)':';

    /// <summary>
    /// Bytes a request-target may hold: visible ASCII except '#' (RFC 9112 §3.2: no fragment is sent;
    /// RFC 3986 chars are a subset of VCHAR). No SP, CTL, DEL or bytes over 0x7F.
    /// </summary>
    private static readonly SearchValues<byte> TargetChar = SearchValues.Create(
        "!\"$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"u8);

    /// <summary>RFC 3986 §3.2.2 reg-name restricted to unreserved (ALPHA / DIGIT / "-" / "." / "_" / "~"): DNS names and IPv4.</summary>
    private static readonly SearchValues<byte> RegNameChar = SearchValues.Create(
        "-._~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"u8);

    /// <summary>Inside an IP-literal: IPv6 hex, colons and dots (an embedded IPv4). No zone ids, no IPvFuture.</summary>
    private static readonly SearchValues<byte> IpLiteralChar = SearchValues.Create(":.0123456789abcdefABCDEF"u8);

    /// <summary>The index of the first byte a request-target may not hold, or -1 (RFC 9112 §3.2, RFC 3986 §2).</summary>
    public static int IndexOfInvalidChar(ReadOnlySpan<byte> target) => target.IndexOfAnyExcept(TargetChar);

    /// <summary>
    /// An origin-form target ("/path?query", HTTP/2's <c>:path</c>): only target characters, and a path that passes
    /// <see cref="CheckPath"/>. <paramref name="pathLength"/> is where the query's '?' is (or the whole length).
    /// </summary>
    public static PathProblem CheckOriginForm(ReadOnlySpan<byte> target, out int pathLength)
    {
        var question = target.IndexOf((byte)'?');
        pathLength = question < 0 ? target.Length : question;
        return IndexOfInvalidChar(target) >= 0 ? PathProblem.InvalidCharacter : CheckPath(target[..pathLength]);
    }

    /// <summary>
    /// Path hygiene against route and policy bypass. The gate matches the raw path bytes, and the forwarder sends
    /// exactly those bytes upstream, so the upstream must not be able to read the path as a different one than the
    /// gate saw. We therefore refuse anything an upstream might normalise into another path:
    /// dot-segments (RFC 3986 §5.2.4 removes them: "/public/../admin" is "/admin");
    /// empty segments ("//admin": many servers merge slashes);
    /// ';' path parameters (servlet containers strip them: "/admin;x/secret" is "/admin/secret", "/..;/" a dot-segment);
    /// backslashes (treated as '/' by some servers);
    /// percent-encoded unreserved characters (RFC 3986 §6.2.2.2 makes "/%61dmin" equivalent to "/admin", and
    /// servers decode them before routing), and percent-encoded '/', '\' and NUL;
    /// a percent-encoded '%' before two hex digits ("%252e": decoded twice by some stacks, it is a '.');
    /// and malformed percent-escapes (RFC 3986 §2.1).
    /// Other escapes (spaces, reserved characters, UTF-8 bytes) pass: they mean the same to every upstream.
    /// The path holds no query; its characters were checked with <see cref="IndexOfInvalidChar"/>.
    /// </summary>
    public static PathProblem CheckPath(ReadOnlySpan<byte> path)
    {
        // RFC 9112 §3.2.1 / RFC 9113 §8.3.1: absolute-path = 1*( "/" segment ).
        if (path.IsEmpty || path[0] != Slash)
        {
            return PathProblem.NotAbsolute;
        }

        if (path.Contains((byte)'\\'))
        {
            return PathProblem.Backslash;
        }

        if (path.Contains((byte)';'))
        {
            return PathProblem.Parameter;
        }

        if (path.IndexOf("//"u8) >= 0)
        {
            return PathProblem.EmptySegment;
        }

        // Dot-segments: every "/." followed by end or '/', or ".<end|/>".
        var searchFrom = 0;
        while (true)
        {
            var found = path[searchFrom..].IndexOf("/."u8);
            if (found < 0)
            {
                break;
            }

            var afterDot = searchFrom + found + 2;
            if (IsSegmentEnd(path, afterDot) || (path[afterDot] == (byte)'.' && IsSegmentEnd(path, afterDot + 1)))
            {
                return PathProblem.DotSegment;
            }

            searchFrom = afterDot - 1;
        }

        // Percent-escapes: pct-encoded = "%" HEXDIG HEXDIG.
        searchFrom = 0;
        while (true)
        {
            var found = path[searchFrom..].IndexOf((byte)'%');
            if (found < 0)
            {
                return PathProblem.None;
            }

            var at = searchFrom + found;
            if (!IsHexPair(path, at + 1))
            {
                return PathProblem.BadEscape;
            }

            var decoded = (HexValue(path[at + 1]) << 4) | HexValue(path[at + 2]);
            if (decoded is '/' or '\\' or 0)
            {
                return PathProblem.EncodedSeparator;
            }

            if (IsUnreserved(decoded))
            {
                return PathProblem.EncodedUnreserved;
            }

            if (decoded == '%' && IsHexPair(path, at + 3))
            {
                return PathProblem.DoubleEncoded;
            }

            searchFrom = at + 3;
        }
    }

    /// <summary>
    /// RFC 3986 §3.2.2-3: authority = host [ ":" port ] with host = IP-literal / IPv4address / reg-name, restricted to
    /// what a proxy should route: unreserved reg-name characters (DNS names, IPv4), or "[" IPv6 "]" without zone or
    /// IPvFuture; port = 1 to 5 digits up to 65535. No userinfo ('@' is refused with every other non-host character,
    /// RFC 9110 §4.2.4). <paramref name="hostLength"/> is the host part's length. Used for an HTTP/1.1 Host field and
    /// absolute- or authority-form target, and for HTTP/2's <c>:authority</c>.
    /// </summary>
    public static bool TryValidateAuthority(ReadOnlySpan<byte> authority, bool requirePort, out int hostLength)
    {
        hostLength = 0;
        if (authority.IsEmpty)
        {
            return false;
        }

        if (authority[0] == (byte)'[')
        {
            var close = authority.IndexOf((byte)']');
            if (close < 2)
            {
                return false;
            }

            var literal = authority[1..close];
            if (literal.IndexOfAnyExcept(IpLiteralChar) >= 0 || !literal.Contains(Colon))
            {
                return false;
            }

            hostLength = close + 1;
        }
        else
        {
            var colon = authority.IndexOf(Colon);
            var host = colon < 0 ? authority : authority[..colon];
            if (host.IsEmpty || host.IndexOfAnyExcept(RegNameChar) >= 0)
            {
                return false;
            }

            hostLength = host.Length;
        }

        var rest = authority[hostLength..];
        if (rest.IsEmpty)
        {
            return !requirePort;
        }

        if (rest[0] != Colon)
        {
            return false;
        }

        var port = rest[1..];
        if (port.IsEmpty || port.Length > MaxPortDigits)
        {
            return false;
        }

        var value = 0;
        foreach (var d in port)
        {
            var digit = (uint)(d - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return value <= ushort.MaxValue;
    }

    private static bool IsSegmentEnd(ReadOnlySpan<byte> path, int index)
        => index >= path.Length || path[index] == Slash;

    /// <summary>RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".</summary>
    private static bool IsUnreserved(int c)
        => (uint)((c | 0x20) - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 || c is '-' or '.' or '_' or '~';

    private static bool IsHexPair(ReadOnlySpan<byte> path, int index)
        => index + 1 < path.Length && HexValue(path[index]) >= 0 && HexValue(path[index + 1]) >= 0;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
