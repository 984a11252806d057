using System.IO.Pipelines;
using System.Net;
using FastProxy.Core.Gate;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Proxy;

/// <summary>
/// Restates an HTTP/2 request as an HTTP/1.1 request head for an HTTP/1.1 upstream (the h2 -> h1 downgrade): the
/// start line from <c>:method</c>, <c>:path</c>; Host from <c>:authority</c>; the regular fields that
/// <see cref="RequestHeaderTransform"/> lets through (an HTTP/2 request has no Connection field, RFC 9113 §8.2.2);
/// <c>cookie</c> fields joined into one (RFC 9113 §8.2.3); the framing the proxy chose; the fields the proxy adds.
/// </summary>
internal static class Http2RequestHeadWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>RFC 9113 §8.2.3: cookie crumbs are joined with "; " into one field for an HTTP/1.1 hop.</summary>
    private static ReadOnlySpan<byte> CookieSeparator => "; "u8;

    /// <summary>
    /// Whether every byte the head would carry can be written into an HTTP/1.1 head as it is. The connection's validator
    /// already refuses such requests; this is the writer's own check (defence in depth against the h2 -> h1 smuggling
    /// class: a CR or LF in a value would start a field or a request of its own). False names the offending field.
    /// </summary>
    public static bool IsSafeToRestate(IHttp2RequestStream request, out int badField)
    {
        badField = -1;
        if (!HeaderFieldSyntax.IsToken(request.MethodBytes)
            || request.Path.IndexOfAny(HeaderFieldSyntax.InvalidValueByte) >= 0 || request.Path.Contains((byte)' ')
            || request.Query.IndexOfAny(HeaderFieldSyntax.InvalidValueByte) >= 0 || request.Query.Contains((byte)' ')
            || !HeaderFieldSyntax.IsFieldValue(request.ForwardedAuthority))
        {
            return false;
        }

        for (var i = 0; i < request.FieldCount; i++)
        {
            request.GetField(i, out var name, out var value);
            if (!HeaderFieldSyntax.IsToken(name) || !HeaderFieldSyntax.IsFieldValue(value))
            {
                badField = i;
                return false;
            }
        }

        return true;
    }

    /// <summary>How the body goes upstream: the declared length, chunked when none was declared, Content-Length: 0 for a bodiless POST/PUT/PATCH.</summary>
    public static Http1UpstreamFraming FramingOf(IHttp2RequestStream request)
    {
        if (request.DeclaredBodyLength >= 0)
        {
            return Http1UpstreamFraming.ContentLength;
        }

        if (request.HasBody)
        {
            return Http1UpstreamFraming.Chunked;
        }

        // RFC 9110 §8.6: a user agent SHOULD send Content-Length when the method defines a meaning for content.
        return request.Method is RequestMethod.Post or RequestMethod.Put or RequestMethod.Patch
            ? Http1UpstreamFraming.ContentLength
            : Http1UpstreamFraming.None;
    }

    public static void Write(
        PipeWriter writer,
        IHttp2RequestStream request,
        Http1UpstreamFraming framing,
        in GateDecision decision,
        IPAddress? clientAddress,
        ReadOnlySpan<byte> scheme,
        byte[][] strippedHeaders,
        in RequestIds ids,
        ReadOnlySpan<byte> clientCert = default)
    {
        var lines = new Http1LineWriter(writer);
        lines.Write(request.MethodBytes);
        lines.Write(" "u8);
        lines.Write(request.Path);

        // The stream's view has no "query present" flag, so an empty query ("/a?") goes upstream as "/a"; HTTP/1.1
        // keeps it. Known difference, listed in docs/http2-forwarding.md.
        if (!request.Query.IsEmpty)
        {
            lines.Write("?"u8);
            lines.Write(request.Query);
        }

        lines.Write(" HTTP/1.1\r\n"u8);
        var authority = request.ForwardedAuthority;
        lines.Add("Host"u8, authority);

        var cookiesWritten = false;
        for (var i = 0; i < request.FieldCount; i++)
        {
            request.GetField(i, out var name, out var value);
            var known = KnownHeaders.Lookup(name);
            if (!RequestHeaderTransform.Forwards(name, known, namedInConnection: false, decision.ForwardAuthorization, strippedHeaders))
            {
                continue;
            }

            if (known == KnownHeader.Cookie)
            {
                if (!cookiesWritten)
                {
                    cookiesWritten = true;
                    WriteJoinedCookies(ref lines, request, i, name);
                }

                continue;
            }

            lines.Add(name, value);
        }

        // RFC 9112 §6: the framing the proxy chose from what the stream carries, never a copied field.
        if (framing == Http1UpstreamFraming.Chunked)
        {
            lines.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (framing == Http1UpstreamFraming.ContentLength)
        {
            Http1HeadWriter.WriteContentLength(ref lines, Math.Max(request.DeclaredBodyLength, 0));
        }

        RequestHeaderTransform.WriteAddedFields(ref lines, decision, clientAddress, scheme, authority, ids, clientCert);
        lines.Write(Crlf);
        lines.Commit();
    }

    /// <summary>
    /// Writes the request's trailer fields that may be restated (<see cref="TrailerFields"/>, and never one the head
    /// transform would drop) as a chunked trailer section, its closing empty line included (RFC 9112 §7.1.2).
    /// Returns the bytes written.
    /// </summary>
    public static long WriteTrailerSection(PipeWriter writer, IHttp2RequestStream request, in GateDecision decision, byte[][] strippedHeaders)
    {
        long written = 0;
        var lines = new Http1LineWriter(writer);
        for (var i = 0; i < request.TrailerCount; i++)
        {
            request.GetTrailer(i, out var name, out var value);
            var known = KnownHeaders.Lookup(name);
            if (!TrailerFields.IsAllowed(name) || !HeaderFieldSyntax.IsToken(name) || !HeaderFieldSyntax.IsFieldValue(value)
                || !RequestHeaderTransform.Forwards(name, known, namedInConnection: false, decision.ForwardAuthorization, strippedHeaders))
            {
                continue;
            }

            lines.Add(name, value);
            written += name.Length + value.Length + 4;
        }

        lines.Write(Crlf);
        lines.Commit();
        return written + 2;
    }

    private static void WriteJoinedCookies(ref Http1LineWriter lines, IHttp2RequestStream request, int first, ReadOnlySpan<byte> name)
    {
        lines.Write(name);
        lines.Write(": "u8);
        var separate = false;
        for (var i = first; i < request.FieldCount; i++)
        {
            request.GetField(i, out var fieldName, out var value);
            if (fieldName.Length != name.Length || KnownHeaders.Lookup(fieldName) != KnownHeader.Cookie)
            {
                continue;
            }

            if (separate)
            {
                lines.Write(CookieSeparator);
            }

            lines.Write(value);
            separate = true;
        }

        lines.Write(Crlf);
    }
}
