using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Semantics;

namespace FastProxy.Http.Http1;

public static partial class Http1Parser
{
    /// <summary>Phase 3 for a request: <paramref name="h"/> is the whole head, from the request line to the blank line.</summary>
    private static Http1ErrorKind ParseRequestHead(ReadOnlySpan<byte> h, Http1RequestHead head, in Http1Limits limits)
    {
        var kind = NextLine(h, 0, out var lineLength);
        if (kind != Http1ErrorKind.None)
        {
            return kind;
        }

        // RFC 9112 §3 (re-checked here so the result never rests on state kept between calls).
        if (lineLength > limits.MaxRequestLineBytes)
        {
            return Http1ErrorKind.RequestLineTooLong;
        }

        kind = ParseRequestLine(h[..lineLength], head);
        if (kind != Http1ErrorKind.None)
        {
            return kind;
        }

        var fields = new FieldState();
        kind = ParseFields(h, lineLength + 2, head.Buffer, limits.MaxHeaderCount, ref fields);
        head.SeenHeaders = fields.Seen;
        return kind != Http1ErrorKind.None ? kind : ApplyRequestSemantics(h, head, in fields);
    }

    /// <summary>RFC 9112 §3: request-line = method SP request-target SP HTTP-version.</summary>
    private static Http1ErrorKind ParseRequestLine(ReadOnlySpan<byte> line, Http1RequestHead head)
    {
        // RFC 9112 §3: exactly one SP between the three parts; method = token (RFC 9110 §9.1).
        var sp1 = line.IndexOf(Http1Chars.SP);
        if (sp1 <= 0)
        {
            return Http1ErrorKind.InvalidRequestLine;
        }

        var method = line[..sp1];
        if (method.IndexOfAnyExcept(Http1Chars.TChar) >= 0)
        {
            return Http1ErrorKind.InvalidMethod;
        }

        var targetStart = sp1 + 1;
        var sp2 = line[targetStart..].IndexOf(Http1Chars.SP);
        if (sp2 <= 0)
        {
            return Http1ErrorKind.InvalidRequestLine;
        }

        var target = line.Slice(targetStart, sp2);
        var kind = ParseVersion(line[(targetStart + sp2 + 1)..], out var minor);
        if (kind != Http1ErrorKind.None)
        {
            return kind == Http1ErrorKind.InvalidStatusLine ? Http1ErrorKind.InvalidRequestLine : kind;
        }

        // RFC 9112 §3.2 / RFC 3986: the target is visible ASCII; no SP, CTL, DEL, non-ASCII, and no fragment ('#').
        var bad = RequestTarget.IndexOfInvalidChar(target);
        if (bad >= 0)
        {
            return target[bad] == Http1Chars.CR ? Http1ErrorKind.BareCR : Http1ErrorKind.InvalidTarget;
        }

        head.Method = RequestMethods.Parse(method);
        head.MethodLength = sp1;
        head.VersionMinor = minor;
        head.TargetStart = targetStart;
        head.TargetLength = target.Length;
        return ParseTarget(target, targetStart, head);
    }

    /// <summary>RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.</summary>
    private static Http1ErrorKind ParseVersion(ReadOnlySpan<byte> version, out int minor)
    {
        minor = 0;
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || !char.IsAsciiDigit((char)version[5])
            || version[6] != Http1Chars.Dot || !char.IsAsciiDigit((char)version[7]))
        {
            return Http1ErrorKind.InvalidStatusLine;
        }

        // Only 1.0 and 1.1 are spoken here; "HTTP/1.2" would be processed as 1.1 by RFC 9110 §6.2, but no such
        // version exists and a strict proxy answers 505 (RFC 9110 §15.6.6) for anything it was not built for.
        if (version[5] != (byte)'1' || version[7] is not ((byte)'0' or (byte)'1'))
        {
            return Http1ErrorKind.UnsupportedVersion;
        }

        minor = version[7] - '0';
        return Http1ErrorKind.None;
    }

    /// <summary>Decides the request's framing, persistence and host after all fields were seen.</summary>
    private static Http1ErrorKind ApplyRequestSemantics(ReadOnlySpan<byte> h, Http1RequestHead head, in FieldState fields)
    {
        var http11 = head.VersionMinor == 1;

        // RFC 9112 §3.2: a client MUST send a Host field in every HTTP/1.1 request; a server MUST respond 400 to a
        // request that lacks one or has more than one.
        if (fields.HostCount > 1)
        {
            return Http1ErrorKind.MultipleHost;
        }

        if (fields.HostCount == 0 && http11)
        {
            return Http1ErrorKind.MissingHost;
        }

        if (fields.HostCount == 1)
        {
            ref readonly var host = ref head.Buffer.Entry(fields.HostIndex);
            var value = h.Slice(host.ValueStart, host.ValueLength);

            // RFC 9112 §3.2: a Host field with an invalid value gets 400. Checked even when the target's authority
            // wins (absolute-form), so no malformed value reaches the upstream.
            if (!RequestTarget.TryValidateAuthority(value, requirePort: false, out var hostLength))
            {
                return Http1ErrorKind.InvalidHost;
            }

            head.HostHeaderStart = host.ValueStart;
            head.HostHeaderLength = host.ValueLength;
            if (!head.IsAbsoluteForm && !head.IsAuthorityForm)
            {
                head.HostStart = host.ValueStart;
                head.HostLength = hostLength;
                head.AuthorityStart = host.ValueStart;
                head.AuthorityLength = host.ValueLength;
            }
        }

        if (fields.TransferEncodingCount > 0)
        {
            var framing = CheckTransferEncoding(in fields, http11);
            if (framing != Http1ErrorKind.None)
            {
                return framing;
            }

            head.BodyKind = BodyKind.Chunked;
        }
        else if (fields.ContentLengthSeen)
        {
            head.BodyKind = BodyKind.ContentLength;
            head.ContentLength = fields.ContentLength;
            head.HasContentLengthList = fields.ContentLengthList;
        }

        // RFC 3986 §3.2.2: the host is case-insensitive; the gate contract wants it lower-case (GateRequest.Host), so
        // it is normalised once here, in this head's own copy (Target, Authority and HostHeaderValue share the bytes).
        Ascii.ToLowerInPlace(head.Buffer.WritableSlice(head.HostStart, head.HostLength), out _);

        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 persists only with "keep-alive".
        var options = head.Buffer.ConnectionOptions;
        head.KeepAlive = !options.Close && (http11 || options.KeepAlive);

        // RFC 9110 §10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request.
        head.ExpectContinue = http11 && fields.ExpectContinue;

        // RFC 9110 §7.8: Upgrade needs "upgrade" in Connection; a server MUST ignore Upgrade in an HTTP/1.0 request.
        if (http11 && options.Upgrade && fields.UpgradeIndex >= 0 && head.Buffer.Entry(fields.UpgradeIndex).ValueLength > 0)
        {
            ref readonly var upgrade = ref head.Buffer.Entry(fields.UpgradeIndex);
            head.IsUpgrade = true;
            head.UpgradeStart = upgrade.ValueStart;
            head.UpgradeLength = upgrade.ValueLength;
        }

        return Http1ErrorKind.None;
    }
}
