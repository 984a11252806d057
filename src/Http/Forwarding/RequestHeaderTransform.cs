using System.Net;
using FastProxy.Core.Gate;
using FastProxy.Http.Http1;
using FastProxy.Http.Proxy;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// Which request fields go to the next hop and which the proxy adds (RFC 9110 §7.6.1), for every protocol: hop-by-hop
/// fields and those named in Connection are dropped, forwarding metadata is restated (never trusted from the client),
/// inbound identity fields are stripped, in any case and with `_` spellings. The protocol adapter walks its own fields,
/// asks <see cref="Forwards"/> for each, and writes the framing its protocol needs; the added fields go to a sink.
/// </summary>
internal static class RequestHeaderTransform
{
    /// <summary>Headers with this prefix are the proxy's own; a client can never send them upstream.</summary>
    private static ReadOnlySpan<byte> ProxyHeaderPrefix => "x-fastproxy-"u8;

    private static ReadOnlySpan<byte> RequestIdName => "X-Request-Id"u8;

    private static ReadOnlySpan<byte> TraceparentName => "traceparent"u8;

    private static ReadOnlySpan<byte> ForwardedForName => "X-Forwarded-For"u8;

    private static ReadOnlySpan<byte> ForwardedProtoName => "X-Forwarded-Proto"u8;

    private static ReadOnlySpan<byte> ForwardedHostName => "X-Forwarded-Host"u8;

    private static ReadOnlySpan<byte> ForwardedClientCertName => "X-Forwarded-Client-Cert"u8;

    // W3C Trace Context §3.2: "00-" + 32 hex trace id + "-" + 16 hex span id + "-" + 2 hex flags.
    private const int TraceparentLength = 55;

    // The longest IPv6 text with a scope id fits (INET6_ADDRSTRLEN is 46; a scope name adds at most 16).
    private const int MaxAddressLength = 64;

    /// <summary>
    /// Whether an inbound request field passes to the next hop. <paramref name="namedInConnection"/>: the request's
    /// Connection field lists it (HTTP/1.1 only; an HTTP/2 request has no Connection field).
    /// </summary>
    public static bool Forwards(ReadOnlySpan<byte> name, KnownHeader known, bool namedInConnection, bool forwardAuthorization, byte[][] strippedHeaders)
    {
        // "X_Forwarded_For" is X-Forwarded-For to a CGI-style upstream (see FieldNames).
        var underscored = known == KnownHeader.Unknown && FieldNames.HasUnderscore(name);
        var owned = underscored ? FieldNames.LookupUnderscoreSpelling(name) : known;
        return !(IsProxyOwned(owned, forwardAuthorization) || namedInConnection
            || IsStripped(name, strippedHeaders, underscored) || IsRestated(name, underscored));
    }

    /// <summary>
    /// Every field the proxy adds to a forwarded request, whatever protocol carries it: request id and trace context,
    /// X-Forwarded-For/-Proto/-Host, the gate's identity fields for the upstream, and the verified client certificate
    /// as X-Forwarded-Client-Cert when the route forwards it (<paramref name="clientCert"/> empty: not sent; a client's
    /// own copy never passes, see <see cref="Forwards"/>).
    /// </summary>
    public static void WriteAddedFields<TSink>(ref TSink sink, in GateDecision decision, IPAddress? clientAddress, ReadOnlySpan<byte> scheme, ReadOnlySpan<byte> authority, in RequestIds ids, ReadOnlySpan<byte> clientCert = default)
        where TSink : IHeaderSink, allows ref struct
    {
        WriteTraceFields(ref sink, ids);
        WriteForwardedFields(ref sink, clientAddress, scheme, authority);
        decision.UpstreamIdentity?.Headers.WriteTo(ref sink);
        if (!clientCert.IsEmpty)
        {
            sink.Add(ForwardedClientCertName, clientCert);
        }
    }

    /// <summary>One request id and this hop's trace context (W3C Trace Context §3.2), restated by the proxy.</summary>
    /// <remarks>
    /// The traceparent value is formatted on the stack: a ref struct sink may take it because <see cref="IHeaderSink.Add"/>
    /// takes its spans <c>scoped</c>. A struct sink is called directly, neither boxed nor through the interface.
    /// </remarks>
    public static void WriteTraceFields<TSink>(ref TSink sink, in RequestIds ids)
        where TSink : IHeaderSink, allows ref struct
    {
        sink.Add(RequestIdName, ids.RequestId);

        Span<byte> traceparent = stackalloc byte[TraceparentLength];
        var length = 0;
        Append(traceparent, ref length, "00-"u8);
        Append(traceparent, ref length, ids.TraceId);
        Append(traceparent, ref length, "-"u8);
        Append(traceparent, ref length, ids.SpanId);
        Append(traceparent, ref length, "-"u8);
        Append(traceparent, ref length, ids.Flags);
        sink.Add(TraceparentName, traceparent[..length]);
    }

    /// <summary>X-Forwarded-For/-Proto/-Host as this proxy saw the request (client X-Forwarded-* never pass, see <see cref="Forwards"/>).</summary>
    /// <remarks>As <see cref="WriteTraceFields"/>: the client address is formatted on the stack.</remarks>
    public static void WriteForwardedFields<TSink>(ref TSink sink, IPAddress? clientAddress, ReadOnlySpan<byte> scheme, ReadOnlySpan<byte> authority)
        where TSink : IHeaderSink, allows ref struct
    {
        // Formatted per request on the stack (no per-connection copy to keep).
        Span<byte> address = stackalloc byte[MaxAddressLength];
        sink.Add(ForwardedForName, clientAddress is not null && clientAddress.TryFormat(address, out var written) ? address[..written] : "unknown"u8);
        sink.Add(ForwardedProtoName, scheme);
        sink.Add(ForwardedHostName, authority);
    }

    private static void Append(Span<byte> destination, ref int length, ReadOnlySpan<byte> part)
    {
        part.CopyTo(destination[length..]);
        length += part.Length;
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
