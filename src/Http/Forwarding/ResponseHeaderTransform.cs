using FastProxy.Http.Http1;

namespace FastProxy.Http.Forwarding;

/// <summary>Which response fields go back to the client, for every protocol; the adapter restates framing and connection handling itself.</summary>
internal static class ResponseHeaderTransform
{
    /// <summary>Whether a field of the upstream's response passes to the client.</summary>
    public static bool Forwards(KnownHeader known, bool namedInConnection) => !namedInConnection && known switch
    {
        // Framing is restated from the parsed response, as for requests; the rest is hop-by-hop (RFC 9110 §7.6.1).
        KnownHeader.ContentLength or KnownHeader.TransferEncoding or KnownHeader.Connection or KnownHeader.KeepAlive
            or KnownHeader.ProxyConnection or KnownHeader.TE or KnownHeader.Trailer or KnownHeader.Upgrade
            or KnownHeader.ProxyAuthenticate => false,
        _ => true,
    };
}
