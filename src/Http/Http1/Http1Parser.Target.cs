using System.Text;
using FastProxy.Core.Gate;

namespace FastProxy.Http.Http1;

public static partial class Http1Parser
{
    // RFC 3986 §3.2.3: port = *DIGIT; 65535 is the largest TCP port, so at most five digits.
    private const int MaxPortDigits = 5;

    /// <summary>RFC 9110 §4.2: the schemes an absolute-form target may use here (compared case-insensitively, RFC 3986 §3.1).</summary>
    private static ReadOnlySpan<byte> HttpScheme => "http://"u8;

    private static ReadOnlySpan<byte> HttpsScheme => "https://"u8;

    /// <summary>
    /// RFC 9112 §3.2: origin-form for every method; absolute-form (http/https) for every method but CONNECT;
    /// authority-form only for CONNECT; asterisk-form only for OPTIONS. <paramref name="start"/> is the target's
    /// offset in the head buffer. Target characters were checked already.
    /// </summary>
    private static Http1ErrorKind ParseTarget(ReadOnlySpan<byte> target, int start, Http1RequestHead head)
    {
        var method = head.Method;
        if (target[0] == Http1Chars.Slash)
        {
            // RFC 9112 §3.2.3: CONNECT takes only the authority-form.
            return method == RequestMethod.Connect ? Http1ErrorKind.InvalidTarget : ParsePathAndQuery(target, start, head);
        }

        if (method == RequestMethod.Connect)
        {
            // RFC 9112 §3.2.3: authority-form = uri-host ":" port (the port is required).
            if (!TryValidateAuthority(target, requirePort: true, out var hostLength))
            {
                return Http1ErrorKind.InvalidTarget;
            }

            head.IsAuthorityForm = true;
            SetTargetAuthority(head, start, target.Length, hostLength);
            head.PathStart = start;
            return Http1ErrorKind.None;
        }

        if (target.Length == 1 && target[0] == (byte)'*')
        {
            // RFC 9112 §3.2.4: asterisk-form only for a server-wide OPTIONS.
            if (method != RequestMethod.Options)
            {
                return Http1ErrorKind.InvalidTarget;
            }

            head.IsAsteriskForm = true;
            head.PathStart = start;
            head.PathLength = 1;
            return Http1ErrorKind.None;
        }

        return ParseAbsoluteForm(target, start, head);
    }

    /// <summary>RFC 9112 §3.2.2: absolute-form = absolute-URI, limited to the http and https schemes.</summary>
    private static Http1ErrorKind ParseAbsoluteForm(ReadOnlySpan<byte> target, int start, Http1RequestHead head)
    {
        int schemeLength;
        if (target.Length >= HttpScheme.Length && Ascii.EqualsIgnoreCase(target[..HttpScheme.Length], HttpScheme))
        {
            schemeLength = HttpScheme.Length;
        }
        else if (target.Length >= HttpsScheme.Length && Ascii.EqualsIgnoreCase(target[..HttpsScheme.Length], HttpsScheme))
        {
            schemeLength = HttpsScheme.Length;
        }
        else
        {
            return Http1ErrorKind.InvalidTarget;
        }

        var rest = target[schemeLength..];
        var authorityEnd = rest.IndexOfAny(Http1Chars.Slash, Http1Chars.Question);
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];

        // RFC 9110 §4.2.4: userinfo in an http(s) URI is deprecated and a recipient SHOULD treat it as an error;
        // TryValidateAuthority refuses '@' along with every other non-host character.
        if (!TryValidateAuthority(authority, requirePort: false, out var hostLength))
        {
            return Http1ErrorKind.InvalidTarget;
        }

        head.IsAbsoluteForm = true;
        var authorityStart = start + schemeLength;
        SetTargetAuthority(head, authorityStart, authority.Length, hostLength);

        var pathStart = authorityStart + authority.Length;
        if (authorityEnd < 0)
        {
            head.PathStart = pathStart;
            head.QueryStart = pathStart;
            return Http1ErrorKind.None;
        }

        return ParsePathAndQuery(rest[authorityEnd..], pathStart, head);
    }

    private static void SetTargetAuthority(Http1RequestHead head, int start, int length, int hostLength)
    {
        head.AuthorityStart = start;
        head.AuthorityLength = length;
        head.HostStart = start;
        head.HostLength = hostLength;
    }

    /// <summary>Splits "/path?query" (or "?query" after an absolute-form authority) and checks the path.</summary>
    private static Http1ErrorKind ParsePathAndQuery(ReadOnlySpan<byte> pathAndQuery, int start, Http1RequestHead head)
    {
        var question = pathAndQuery.IndexOf(Http1Chars.Question);
        var path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        if (!path.IsEmpty && CheckPath(path) is var problem && problem != Http1ErrorKind.None)
        {
            return problem;
        }

        head.PathStart = start;
        head.PathLength = path.Length;
        if (question >= 0)
        {
            head.HasQuery = true;
            head.QueryStart = start + question + 1;
            head.QueryLength = pathAndQuery.Length - question - 1;
        }
        else
        {
            head.QueryStart = start + pathAndQuery.Length;
        }

        return Http1ErrorKind.None;
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
    /// </summary>
    private static Http1ErrorKind CheckPath(ReadOnlySpan<byte> path)
    {
        // RFC 9112 §3.2.1: absolute-path = 1*( "/" segment ).
        if (path[0] != Http1Chars.Slash)
        {
            return Http1ErrorKind.InvalidPath;
        }

        if (path.Contains(Http1Chars.Backslash))
        {
            return Http1ErrorKind.PathBackslash;
        }

        if (path.Contains(Http1Chars.Semicolon))
        {
            return Http1ErrorKind.PathParameter;
        }

        if (path.IndexOf("//"u8) >= 0)
        {
            return Http1ErrorKind.PathEmptySegment;
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
            if (IsSegmentEnd(path, afterDot) || (path[afterDot] == Http1Chars.Dot && IsSegmentEnd(path, afterDot + 1)))
            {
                return Http1ErrorKind.PathDotSegment;
            }

            searchFrom = afterDot - 1;
        }

        // Percent-escapes: pct-encoded = "%" HEXDIG HEXDIG.
        searchFrom = 0;
        while (true)
        {
            var found = path[searchFrom..].IndexOf(Http1Chars.Percent);
            if (found < 0)
            {
                return Http1ErrorKind.None;
            }

            var at = searchFrom + found;
            if (!IsHexPair(path, at + 1))
            {
                return Http1ErrorKind.PathBadEscape;
            }

            var decoded = (Http1Chars.HexValue(path[at + 1]) << 4) | Http1Chars.HexValue(path[at + 2]);
            if (decoded is '/' or '\\' or 0)
            {
                return Http1ErrorKind.PathEncodedSeparator;
            }

            if (IsUnreserved(decoded))
            {
                return Http1ErrorKind.PathEncodedUnreserved;
            }

            if (decoded == '%' && IsHexPair(path, at + 3))
            {
                return Http1ErrorKind.PathDoubleEncoded;
            }

            searchFrom = at + 3;
        }
    }

    private static bool IsSegmentEnd(ReadOnlySpan<byte> path, int index)
        => index >= path.Length || path[index] == Http1Chars.Slash;

    /// <summary>RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".</summary>
    private static bool IsUnreserved(int c)
        => (uint)((c | 0x20) - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 || c is '-' or '.' or '_' or '~';

    private static bool IsHexPair(ReadOnlySpan<byte> path, int index)
        => index + 1 < path.Length && Http1Chars.HexValue(path[index]) >= 0 && Http1Chars.HexValue(path[index + 1]) >= 0;

    /// <summary>
    /// RFC 3986 §3.2.2-3: authority = host [ ":" port ] with host = IP-literal / IPv4address / reg-name, restricted to
    /// what a proxy should route: unreserved reg-name characters (DNS names, IPv4), or "[" IPv6 "]" without zone or
    /// IPvFuture; port = 1 to 5 digits up to 65535. <paramref name="hostLength"/> is the host part's length.
    /// </summary>
    private static bool TryValidateAuthority(ReadOnlySpan<byte> authority, bool requirePort, out int hostLength)
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
            if (literal.IndexOfAnyExcept(Http1Chars.IpLiteralChar) >= 0 || !literal.Contains(Http1Chars.Colon))
            {
                return false;
            }

            hostLength = close + 1;
        }
        else
        {
            var colon = authority.IndexOf(Http1Chars.Colon);
            var host = colon < 0 ? authority : authority[..colon];
            if (host.IsEmpty || host.IndexOfAnyExcept(Http1Chars.RegNameChar) >= 0)
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

        if (rest[0] != Http1Chars.Colon)
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
}
