using System.Buffers;
using System.Net;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Http.Forwarding;
using FastProxy.Http.Http1;
using FastProxy.Http.Http2.Client;
using FastProxy.Http.Http2.Streams;

namespace FastProxy.Http.Proxy;

/// <summary>
/// Restates a request as the fields of an HTTP/2 upstream stream's head (RFC 9113 §8.3.1): <c>:method</c>,
/// <c>:scheme</c> (the upstream connection's: https over TLS, else http; the client's scheme goes as X-Forwarded-Proto), <c>:authority</c> (the authority the client
/// addressed; no host field, RFC 9113 §8.3.1), <c>:path</c> (path and query); then the regular fields that
/// <see cref="RequestHeaderTransform"/> lets through, exactly as for an HTTP/1.1 upstream, except that
/// <c>te: trailers</c> is kept (the only te an HTTP/2 request may carry, RFC 9113 §8.2.2, and gRPC needs it);
/// content-length restated from the declared length; the fields the proxy adds (lowercased).
/// </summary>
internal static class Http2UpstreamHeadWriter
{
    // A path and query up to this size is joined on the stack; longer ones (up to the request-target limit) in a pooled array.
    private const int StackPathBytes = 512;

    private static ReadOnlySpan<byte> Trailers => "trailers"u8;

    /// <summary>The head of an HTTP/2 client's request (h2 -> h2). <paramref name="grpcTimeout"/>: the deadline restated as grpc-timeout (the client's own is dropped then).</summary>
    public static void Write(
        IHttp2UpstreamStream upstream,
        IHttp2RequestStream request,
        in GateDecision decision,
        IPAddress? clientAddress,
        ReadOnlySpan<byte> scheme,
        byte[][] strippedHeaders,
        in RequestIds ids,
        ReadOnlySpan<byte> clientCert,
        TimeSpan? grpcTimeout)
    {
        WritePseudoHeaders(upstream, request.MethodBytes, upstream.Scheme, request.ForwardedAuthority, request.Path, request.Query, hasQuery: !request.Query.IsEmpty);
        for (var i = 0; i < request.FieldCount; i++)
        {
            request.GetField(i, out var name, out var value);
            if (Forwards(name, KnownHeaders.Lookup(name), value, namedInConnection: false, decision, strippedHeaders, grpcTimeout.HasValue, out var teTrailers))
            {
                upstream.AddRequestField(name, teTrailers ? Trailers : value);
            }
        }

        WriteAddedFields(upstream, request.DeclaredBodyLength, decision, clientAddress, scheme, request.ForwardedAuthority, ids, clientCert, grpcTimeout);
    }

    /// <summary>
    /// Whether a request field goes to an HTTP/2 upstream: the HTTP/1.1 rules, but te passes when it is exactly
    /// "trailers" (<paramref name="teTrailers"/>, sent as that), and a grpc-timeout the proxy restates does not.
    /// </summary>
    public static bool Forwards(ReadOnlySpan<byte> name, KnownHeader known, ReadOnlySpan<byte> value, bool namedInConnection, in GateDecision decision, byte[][] strippedHeaders, bool grpcTimeoutRestated, out bool teTrailers)
    {
        teTrailers = false;
        if (known == KnownHeader.TE)
        {
            teTrailers = Ascii.EqualsIgnoreCase(value.Trim(" \t"u8), Trailers);
            return teTrailers;
        }

        if (grpcTimeoutRestated && Ascii.EqualsIgnoreCase(name, GrpcRequests.TimeoutName))
        {
            return false;
        }

        return RequestHeaderTransform.Forwards(name, known, namedInConnection, decision.ForwardAuthorization, strippedHeaders);
    }

    /// <summary>
    /// The head of an HTTP/1.1 client's request (h1 -> h2): Host becomes :authority, names are lowercased, fields the
    /// Connection field names are dropped as for an HTTP/1.1 upstream; an empty query ("/a?") keeps its '?'.
    /// </summary>
    public static void Write(
        IHttp2UpstreamStream upstream,
        Http1RequestHead request,
        in GateDecision decision,
        IPAddress? clientAddress,
        ReadOnlySpan<byte> scheme,
        byte[][] strippedHeaders,
        in RequestIds ids,
        ReadOnlySpan<byte> clientCert,
        TimeSpan? grpcTimeout)
    {
        WritePseudoHeaders(upstream, request.MethodBytes, upstream.Scheme, request.ForwardedAuthority, request.Path, request.Query, request.HasQuery);
        for (var i = 0; i < request.HeaderCount; i++)
        {
            var name = request.GetName(i);
            var known = request.GetKnown(i);
            var value = request.GetValue(i);
            if (Forwards(name, known, value, request.IsNamedInConnection(name, known), decision, strippedHeaders, grpcTimeout.HasValue, out var teTrailers))
            {
                Http2UpstreamFieldSink.AddLowercase(upstream, name, teTrailers ? Trailers : value);
            }
        }

        WriteAddedFields(upstream, request.DeclaredBodyLength, decision, clientAddress, scheme, request.ForwardedAuthority, ids, clientCert, grpcTimeout);
    }

    /// <summary>One chunked trailer field of an HTTP/1.1 client's body, added as an HTTP/2 trailer when it may be restated.</summary>
    public static void AddTrailer(IHttp2UpstreamStream upstream, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, in GateDecision decision, byte[][] strippedHeaders)
    {
        if (TrailerFields.IsAllowed(name)
            && RequestHeaderTransform.Forwards(name, KnownHeaders.Lookup(name), namedInConnection: false, decision.ForwardAuthorization, strippedHeaders))
        {
            Http2UpstreamFieldSink.AddLowercase(upstream, name, value);
        }
    }

    /// <summary>:method, :scheme, :authority and :path (RFC 9113 §8.3.1), in that order, before any regular field.</summary>
    public static void WritePseudoHeaders(IHttp2UpstreamStream upstream, ReadOnlySpan<byte> method, ReadOnlySpan<byte> scheme, ReadOnlySpan<byte> authority, ReadOnlySpan<byte> path, ReadOnlySpan<byte> query, bool hasQuery)
    {
        upstream.AddRequestField(":method"u8, method);
        upstream.AddRequestField(":scheme"u8, scheme);
        if (!authority.IsEmpty)
        {
            // RFC 9113 §8.3.1: :authority "unless there is no authority information to convey" (an HTTP/1.0 client
            // without Host): then none, rather than an empty one.
            upstream.AddRequestField(":authority"u8, authority);
        }

        if (!hasQuery)
        {
            upstream.AddRequestField(":path"u8, path);
            return;
        }

        var length = path.Length + 1 + query.Length;
        byte[]? rented = null;
        var target = length <= StackPathBytes ? stackalloc byte[StackPathBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            path.CopyTo(target);
            target[path.Length] = (byte)'?';
            query.CopyTo(target[(path.Length + 1)..]);
            upstream.AddRequestField(":path"u8, target[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>content-length (the declared length, which the body copy holds the DATA to), grpc-timeout when restated, and every field the proxy adds.</summary>
    public static void WriteAddedFields(
        IHttp2UpstreamStream upstream,
        long declaredLength,
        in GateDecision decision,
        IPAddress? clientAddress,
        ReadOnlySpan<byte> scheme,
        ReadOnlySpan<byte> authority,
        in RequestIds ids,
        ReadOnlySpan<byte> clientCert,
        TimeSpan? grpcTimeout)
    {
        Span<byte> text = stackalloc byte[20];
        if (declaredLength >= 0)
        {
            System.Buffers.Text.Utf8Formatter.TryFormat(declaredLength, text, out var digits);
            upstream.AddRequestField("content-length"u8, text[..digits]);
        }

        if (grpcTimeout is { } timeout)
        {
            var written = GrpcTimeout.Format(timeout, text);
            upstream.AddRequestField(GrpcRequests.TimeoutName, text[..written]);
        }

        var sink = new Http2UpstreamFieldSink(upstream);
        RequestHeaderTransform.WriteAddedFields(ref sink, decision, clientAddress, scheme, authority, ids, clientCert);
    }

    /// <summary>An HTTP/2 client's request trailers that may be restated (<see cref="TrailerFields"/>, and never one the head transform drops), added after the head.</summary>
    public static void WriteTrailers(IHttp2UpstreamStream upstream, IHttp2RequestStream request, in GateDecision decision, byte[][] strippedHeaders)
    {
        for (var i = 0; i < request.TrailerCount; i++)
        {
            request.GetTrailer(i, out var name, out var value);
            AddTrailer(upstream, name, value, decision, strippedHeaders);
        }
    }
}
