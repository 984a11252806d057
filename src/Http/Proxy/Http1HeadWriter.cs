using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Proxy;

/// <summary>
/// Rewrites heads for the next hop (RFC 9110 §7.6.1): hop-by-hop fields and those named in
/// Connection are dropped, framing is restated, X-Forwarded-* are replaced (never trusted from
/// the client), inbound identity headers are stripped and the gate's identity headers added.
/// </summary>
internal static class Http1HeadWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    private static ReadOnlySpan<byte> ColonSpace => ": "u8;

    /// <summary>Headers with this prefix are the proxy's own; a client can never send them upstream.</summary>
    private static ReadOnlySpan<byte> ProxyHeaderPrefix => "x-fastproxy-"u8;

    public static void WriteRequestHead(
        PipeWriter writer,
        Http1RequestHead head,
        in GateDecision decision,
        IPAddress? clientAddress,
        ReadOnlySpan<byte> scheme,
        byte[][] strippedHeaders,
        in RequestIds ids)
    {
        writer.Write(head.MethodBytes);
        writer.Write(" "u8);
        writer.Write(head.Path);

        // "/a?" keeps its '?': an empty query is still a query to some applications (RFC 3986 §3.4, §6.2.3).
        if (head.HasQuery)
        {
            writer.Write("?"u8);
            writer.Write(head.Query);
        }

        // An HTTP/1.0 client's request goes upstream as 1.0 so the upstream answers without
        // chunked framing the client could not read (RFC 9112 §7.1).
        writer.Write(head.VersionMinor == 0 ? " HTTP/1.0\r\nHost: "u8 : " HTTP/1.1\r\nHost: "u8);

        // With an absolute-form target the target's authority is the host (RFC 9112 §3.2.2).
        var authority = head.IsAbsoluteForm ? head.Authority : head.HostHeaderValue;
        writer.Write(authority);
        writer.Write(Crlf);

        for (var i = 0; i < head.HeaderCount; i++)
        {
            var name = head.GetName(i);
            var known = head.GetKnown(i);

            // "X_Forwarded_For" is X-Forwarded-For to a CGI-style upstream (see FieldNames).
            var underscored = known == KnownHeader.Unknown && FieldNames.HasUnderscore(name);
            var owned = underscored ? FieldNames.LookupUnderscoreSpelling(name) : known;
            if (IsProxyOwned(owned, decision.ForwardAuthorization) || head.IsNamedInConnection(name, known)
                || IsStripped(name, strippedHeaders, underscored) || IsRestated(name, underscored))
            {
                continue;
            }

            WriteField(writer, name, head.GetValue(i));
        }

        // One request id and this hop's trace context (W3C Trace Context §3.2), restated by the proxy.
        writer.Write("X-Request-Id: "u8);
        writer.Write(ids.RequestId);
        writer.Write("\r\ntraceparent: 00-"u8);
        writer.Write(ids.TraceId);
        writer.Write("-"u8);
        writer.Write(ids.SpanId);
        writer.Write("-"u8);
        writer.Write(ids.Flags);
        writer.Write(Crlf);

        // RFC 9112 §6: the framing the proxy parsed, and only that, goes upstream.
        if (head.BodyKind == BodyKind.Chunked)
        {
            writer.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (head.BodyKind == BodyKind.ContentLength)
        {
            WriteContentLength(writer, head.ContentLength);
        }

        if (head.IsUpgrade)
        {
            writer.Write("Connection: upgrade\r\nUpgrade: "u8);
            writer.Write(head.UpgradeProtocol);
            writer.Write(Crlf);
        }
        else if (head.VersionMinor == 0)
        {
            writer.Write("Connection: close\r\n"u8);
        }

        writer.Write("X-Forwarded-For: "u8);
        WriteAddress(writer, clientAddress);
        writer.Write("\r\nX-Forwarded-Proto: "u8);
        writer.Write(scheme);
        writer.Write("\r\nX-Forwarded-Host: "u8);
        writer.Write(authority);
        writer.Write(Crlf);

        if (decision.UpstreamIdentity is { } identity)
        {
            var lines = new Http1FieldLineSink(writer);
            identity.Headers.WriteTo(ref lines);
        }

        writer.Write(Crlf);
    }

    /// <summary>Writes the response head for the client: status line, end-to-end fields, restated framing and connection handling.</summary>
    public static void WriteResponseHead(PipeWriter writer, Http1ResponseHead head, bool clientIsHttp10, bool closeAfter, bool isUpgrade)
    {
        writer.Write("HTTP/1.1 "u8);
        WriteNumber(writer, head.StatusCode);
        writer.Write(" "u8);
        writer.Write(head.Reason);
        writer.Write(Crlf);

        for (var i = 0; i < head.HeaderCount; i++)
        {
            var name = head.GetName(i);
            switch (head.GetKnown(i))
            {
                // Framing is restated below from the parsed response, as for requests.
                case KnownHeader.ContentLength:
                case KnownHeader.TransferEncoding:
                case KnownHeader.Connection:
                case KnownHeader.KeepAlive:
                case KnownHeader.ProxyConnection:
                case KnownHeader.TE:
                case KnownHeader.Trailer:
                case KnownHeader.Upgrade:
                case KnownHeader.ProxyAuthenticate:
                    continue;
            }

            if (head.IsNamedInConnection(name, head.GetKnown(i)))
            {
                continue;
            }

            WriteField(writer, name, head.GetValue(i));
        }

        if (isUpgrade)
        {
            writer.Write("Connection: upgrade\r\n"u8);
            if (head.TryGetFirst("upgrade"u8, out var protocol))
            {
                writer.Write("Upgrade: "u8);
                writer.Write(protocol);
                writer.Write(Crlf);
            }
        }
        else
        {
            if (head.BodyKind == ResponseBodyKind.Chunked)
            {
                writer.Write("Transfer-Encoding: chunked\r\n"u8);
            }
            else if (head.HasContentLength && head.StatusCode is >= 200 and not 204)
            {
                // RFC 9110 §8.6: a server MUST NOT send Content-Length in a 1xx or 204 response; in a response to
                // HEAD or a 304 it is the length the representation would have, so it is passed on (restated).
                WriteContentLength(writer, head.DeclaredContentLength);
            }

            if (closeAfter)
            {
                writer.Write("Connection: close\r\n"u8);
            }
            else if (clientIsHttp10)
            {
                writer.Write("Connection: keep-alive\r\n"u8);
            }
        }

        writer.Write(Crlf);
    }

    /// <summary>Writes a gate denial: status, the gate's header fields and its JSON body.</summary>
    public static void WriteDenial(PipeWriter writer, in GateDecision decision, bool closeAfter)
    {
        writer.Write("HTTP/1.1 "u8);
        WriteNumber(writer, decision.Status);
        writer.Write(" "u8);
        writer.Write(ReasonPhrases.Get(decision.Status));
        writer.Write("\r\nContent-Type: application/json\r\nContent-Length: "u8);
        WriteNumber(writer, decision.ResponseBody.Length);
        writer.Write(Crlf);
        var lines = new Http1FieldLineSink(writer);
        decision.ResponseHeaders.WriteTo(ref lines);
        if (closeAfter)
        {
            writer.Write("Connection: close\r\n"u8);
        }

        writer.Write(Crlf);
        writer.Write(decision.ResponseBody.Span);
    }

    private static void WriteAddress(PipeWriter writer, IPAddress? address)
    {
        // Formatted per request straight into the output (no per-connection copy to keep).
        var span = writer.GetSpan(64);
        if (address is not null && address.TryFormat(span, out var written))
        {
            writer.Advance(written);
        }
        else
        {
            writer.Write("unknown"u8);
        }
    }

    public static void WriteNumber(IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        writer.Advance(written);
    }

    private static void WriteField(PipeWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        writer.Write(name);
        writer.Write(ColonSpace);
        writer.Write(value);
        writer.Write(Crlf);
    }

    /// <summary>
    /// RFC 9110 §8.6: a Content-Length received as a list of equal values ("5, 5") or in several equal fields
    /// is accepted as that one value, and a proxy forwards it as one field: a next hop that refuses lists
    /// (or reads them differently) must not see the received form.
    /// </summary>
    private static void WriteContentLength(PipeWriter writer, long length)
    {
        writer.Write("Content-Length: "u8);
        WriteNumber(writer, length);
        writer.Write(Crlf);
    }

    /// <summary>
    /// Request fields never copied upstream: framing (Content-Length and Transfer-Encoding are written from the parsed
    /// body, so a copied field can never disagree with how the proxy delimited it; Host is written first), hop-by-hop
    /// fields (RFC 9110 §7.6.1), fields meant for this proxy, and forwarding metadata the proxy restates.
    /// </summary>
    private static bool IsProxyOwned(KnownHeader field, bool forwardAuthorization) => field switch
    {
        KnownHeader.Host or KnownHeader.ContentLength or KnownHeader.TransferEncoding
            or KnownHeader.Connection or KnownHeader.KeepAlive or KnownHeader.ProxyConnection or KnownHeader.TE
            or KnownHeader.Trailer or KnownHeader.Upgrade or KnownHeader.Expect or KnownHeader.ProxyAuthorization
            or KnownHeader.XForwardedFor or KnownHeader.XForwardedProto or KnownHeader.XForwardedHost
            or KnownHeader.XForwardedPort or KnownHeader.XRealIp or KnownHeader.Forwarded or KnownHeader.Http2Settings => true,
        KnownHeader.Authorization => !forwardAuthorization,
        _ => false,
    };

    /// <summary>Fields the proxy writes itself once (X-Request-Id, traceparent): inbound copies are not passed on.</summary>
    private static bool IsRestated(ReadOnlySpan<byte> name, bool foldUnderscores) => name.Length switch
    {
        11 => FieldNames.Equal(name, "traceparent"u8, foldUnderscores),
        12 => FieldNames.Equal(name, "x-request-id"u8, foldUnderscores),
        _ => false,
    };

    private static bool IsStripped(ReadOnlySpan<byte> name, byte[][] strippedHeaders, bool foldUnderscores)
    {
        if (FieldNames.StartsWith(name, ProxyHeaderPrefix, foldUnderscores))
        {
            return true;
        }

        foreach (var stripped in strippedHeaders)
        {
            if (FieldNames.Equal(name, stripped, foldUnderscores))
            {
                return true;
            }
        }

        return false;
    }
}
