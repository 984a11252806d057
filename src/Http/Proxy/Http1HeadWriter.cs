using System.IO.Pipelines;
using System.Net;
using FastProxy.Core.Gate;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;

namespace FastProxy.Http.Proxy;

/// <summary>
/// Writes heads for the next hop as HTTP/1.1: the start line, the fields <see cref="RequestHeaderTransform"/> and
/// <see cref="ResponseHeaderTransform"/> pass or add (hop-by-hop and Connection-named fields dropped, X-Forwarded-*
/// replaced, inbound identity headers stripped), the framing restated from the parsed message, and the gate's
/// identity fields, each head through one <see cref="Http1LineWriter"/>.
/// </summary>
internal static class Http1HeadWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    public static void WriteRequestHead(
        PipeWriter writer,
        Http1RequestHead head,
        in GateDecision decision,
        IPAddress? clientAddress,
        ReadOnlySpan<byte> scheme,
        byte[][] strippedHeaders,
        in RequestIds ids,
        ReadOnlySpan<byte> clientCert = default)
    {
        var lines = new Http1LineWriter(writer);
        lines.Write(head.MethodBytes);
        lines.Write(" "u8);
        lines.Write(head.Path);

        // "/a?" keeps its '?': an empty query is still a query to some applications (RFC 3986 §3.4, §6.2.3).
        if (head.HasQuery)
        {
            lines.Write("?"u8);
            lines.Write(head.Query);
        }

        // An HTTP/1.0 client's request goes upstream as 1.0 so the upstream answers without
        // chunked framing the client could not read (RFC 9112 §7.1). HTTP/1.0 has no Host requirement: a 1.0 request
        // that came without one goes without one, rather than with an empty Host that nginx (and our own parser) refuse.
        var authority = head.ForwardedAuthority;
        if (head.VersionMinor == 0)
        {
            lines.Write(" HTTP/1.0\r\n"u8);
            if (!authority.IsEmpty)
            {
                lines.Add("Host"u8, authority);
            }
        }
        else
        {
            lines.Write(" HTTP/1.1\r\n"u8);
            lines.Add("Host"u8, authority);
        }

        for (var i = 0; i < head.HeaderCount; i++)
        {
            var name = head.GetName(i);
            var known = head.GetKnown(i);
            if (RequestHeaderTransform.Forwards(name, known, head.IsNamedInConnection(name, known), decision.ForwardAuthorization, strippedHeaders))
            {
                lines.Add(name, head.GetValue(i));
            }
        }

        // RFC 9112 §6: the framing the proxy parsed, and only that, goes upstream.
        if (head.BodyKind == BodyKind.Chunked)
        {
            lines.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (head.BodyKind == BodyKind.ContentLength)
        {
            WriteContentLength(ref lines, head.ContentLength);
        }

        if (head.IsUpgrade)
        {
            lines.Write("Connection: upgrade\r\n"u8);
            lines.Add("Upgrade"u8, head.UpgradeProtocol);
        }
        else if (head.VersionMinor == 0)
        {
            lines.Write("Connection: close\r\n"u8);
        }

        RequestHeaderTransform.WriteAddedFields(ref lines, decision, clientAddress, scheme, authority, ids, clientCert);
        lines.Write(Crlf);
        lines.Commit();
    }

    /// <summary>Writes the response head for the client: status line, end-to-end fields, restated framing and connection handling.</summary>
    public static void WriteResponseHead(PipeWriter writer, Http1ResponseHead head, bool clientIsHttp10, bool closeAfter, bool isUpgrade)
    {
        var lines = new Http1LineWriter(writer);
        lines.Write("HTTP/1.1 "u8);
        lines.WriteNumber(head.StatusCode);
        lines.Write(" "u8);
        lines.Write(head.Reason);
        lines.Write(Crlf);

        for (var i = 0; i < head.HeaderCount; i++)
        {
            var name = head.GetName(i);
            var known = head.GetKnown(i);
            if (ResponseHeaderTransform.Forwards(known, head.IsNamedInConnection(name, known)))
            {
                lines.Add(name, head.GetValue(i));
            }
        }

        if (isUpgrade)
        {
            lines.Write("Connection: upgrade\r\n"u8);
            if (head.TryGetFirst("upgrade"u8, out var protocol))
            {
                lines.Add("Upgrade"u8, protocol);
            }
        }
        else
        {
            if (head.BodyKind == ResponseBodyKind.Chunked)
            {
                lines.Write("Transfer-Encoding: chunked\r\n"u8);
            }
            else if (head.HasContentLength && head.StatusCode is >= 200 and not 204)
            {
                // RFC 9110 §8.6: a server MUST NOT send Content-Length in a 1xx or 204 response; in a response to
                // HEAD or a 304 it is the length the representation would have, so it is passed on (restated).
                WriteContentLength(ref lines, head.DeclaredContentLength);
            }

            if (closeAfter)
            {
                lines.Write("Connection: close\r\n"u8);
            }
            else if (clientIsHttp10)
            {
                lines.Write("Connection: keep-alive\r\n"u8);
            }
        }

        lines.Write(Crlf);
        lines.Commit();
    }

    /// <summary>Writes a gate denial: status, the gate's header fields and its JSON body.</summary>
    public static void WriteDenial(PipeWriter writer, in GateDecision decision, bool closeAfter)
    {
        var lines = new Http1LineWriter(writer);
        lines.Write("HTTP/1.1 "u8);
        lines.WriteNumber(decision.Status);
        lines.Write(" "u8);
        lines.Write(ReasonPhrases.Get(decision.Status));
        lines.Write("\r\nContent-Type: application/json\r\nContent-Length: "u8);
        lines.WriteNumber(decision.ResponseBody.Length);
        lines.Write(Crlf);
        decision.ResponseHeaders.WriteTo(ref lines);
        if (closeAfter)
        {
            lines.Write("Connection: close\r\n"u8);
        }

        lines.Write(Crlf);
        lines.Write(decision.ResponseBody.Span);
        lines.Commit();
    }

    /// <summary>
    /// A refusal the gRPC way over HTTP/1.1: 200 with content-type application/grpc, grpc-status and grpc-message as
    /// header fields and an empty body (Content-Length: 0), the HTTP/1.1 form of a trailers-only response.
    /// </summary>
    public static void WriteGrpcRefusal(PipeWriter writer, GrpcStatus status, ReadOnlySpan<byte> message, bool closeAfter)
    {
        var lines = new Http1LineWriter(writer);
        lines.Write("HTTP/1.1 200 OK\r\n"u8);
        GrpcRefusal.WriteFields(ref lines, status, message);
        lines.Write("Content-Length: 0\r\n"u8);
        if (closeAfter)
        {
            lines.Write("Connection: close\r\n"u8);
        }

        lines.Write(Crlf);
        lines.Commit();
    }

    /// <summary>
    /// RFC 9110 §8.6: a Content-Length received as a list of equal values ("5, 5") or in several equal fields
    /// is accepted as that one value, and a proxy forwards it as one field: a next hop that refuses lists
    /// (or reads them differently) must not see the received form.
    /// </summary>
    internal static void WriteContentLength(ref Http1LineWriter lines, long length)
    {
        lines.Write("Content-Length: "u8);
        lines.WriteNumber(length);
        lines.Write(Crlf);
    }
}
