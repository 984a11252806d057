using System.Buffers;
using System.Buffers.Text;
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
/// identity fields, every field line through one <see cref="Http1FieldLineSink"/>.
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
        // chunked framing the client could not read (RFC 9112 §7.1). HTTP/1.0 has no Host requirement: a 1.0 request
        // that came without one goes without one, rather than with an empty Host that nginx (and our own parser) refuse.
        var authority = head.ForwardedAuthority;
        if (head.VersionMinor == 0)
        {
            writer.Write(" HTTP/1.0\r\n"u8);
            if (!authority.IsEmpty)
            {
                writer.Write("Host: "u8);
                writer.Write(authority);
                writer.Write(Crlf);
            }
        }
        else
        {
            writer.Write(" HTTP/1.1\r\nHost: "u8);
            writer.Write(authority);
            writer.Write(Crlf);
        }

        var fields = new Http1FieldLineSink(writer);
        for (var i = 0; i < head.HeaderCount; i++)
        {
            var name = head.GetName(i);
            var known = head.GetKnown(i);
            if (RequestHeaderTransform.Forwards(name, known, head.IsNamedInConnection(name, known), decision.ForwardAuthorization, strippedHeaders))
            {
                fields.Add(name, head.GetValue(i));
            }
        }

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

        RequestHeaderTransform.WriteAddedFields(ref fields, decision, clientAddress, scheme, authority, ids, clientCert);
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

        var fields = new Http1FieldLineSink(writer);
        for (var i = 0; i < head.HeaderCount; i++)
        {
            var name = head.GetName(i);
            var known = head.GetKnown(i);
            if (ResponseHeaderTransform.Forwards(known, head.IsNamedInConnection(name, known)))
            {
                fields.Add(name, head.GetValue(i));
            }
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
        var fields = new Http1FieldLineSink(writer);
        decision.ResponseHeaders.WriteTo(ref fields);
        if (closeAfter)
        {
            writer.Write("Connection: close\r\n"u8);
        }

        writer.Write(Crlf);
        writer.Write(decision.ResponseBody.Span);
    }

    /// <summary>
    /// A refusal the gRPC way over HTTP/1.1: 200 with content-type application/grpc, grpc-status and grpc-message as
    /// header fields and an empty body (Content-Length: 0), the HTTP/1.1 form of a trailers-only response.
    /// </summary>
    public static void WriteGrpcRefusal(PipeWriter writer, GrpcStatus status, ReadOnlySpan<byte> message, bool closeAfter)
    {
        writer.Write("HTTP/1.1 200 OK\r\n"u8);
        var fields = new Http1FieldLineSink(writer);
        GrpcRefusal.WriteFields(ref fields, status, message);
        writer.Write("Content-Length: 0\r\n"u8);
        if (closeAfter)
        {
            writer.Write("Connection: close\r\n"u8);
        }

        writer.Write(Crlf);
    }

    public static void WriteNumber(IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        writer.Advance(written);
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
}
