using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Semantics;

namespace FastProxy.Http.Http1;

public static partial class Http1Parser
{
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
            if (!RequestTarget.TryValidateAuthority(target, requirePort: true, out var hostLength))
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
        // RequestTarget.TryValidateAuthority refuses '@' along with every other non-host character.
        if (!RequestTarget.TryValidateAuthority(authority, requirePort: false, out var hostLength))
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

    /// <summary>The shared path checks (<see cref="RequestTarget.CheckPath"/>) as this parser's error kinds.</summary>
    private static Http1ErrorKind CheckPath(ReadOnlySpan<byte> path) => RequestTarget.CheckPath(path) switch
    {
        PathProblem.None => Http1ErrorKind.None,
        PathProblem.NotAbsolute => Http1ErrorKind.InvalidPath,
        PathProblem.EmptySegment => Http1ErrorKind.PathEmptySegment,
        PathProblem.Parameter => Http1ErrorKind.PathParameter,
        PathProblem.Backslash => Http1ErrorKind.PathBackslash,
        PathProblem.DotSegment => Http1ErrorKind.PathDotSegment,
        PathProblem.BadEscape => Http1ErrorKind.PathBadEscape,
        PathProblem.EncodedSeparator => Http1ErrorKind.PathEncodedSeparator,
        PathProblem.EncodedUnreserved => Http1ErrorKind.PathEncodedUnreserved,
        PathProblem.DoubleEncoded => Http1ErrorKind.PathDoubleEncoded,
        _ => Http1ErrorKind.InvalidTarget,
    };
}
