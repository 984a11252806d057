using FastProxy.Core.Gate;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// The request side of an exchange as the forwarder sees it, whatever protocol carried it: an HTTP/1.1 request head
/// implements it now, an HTTP/2 stream's decoded head later. Spans stay valid until the request ends.
/// </summary>
internal interface IForwardedRequest : IRequestHeaders
{
    RequestMethod Method { get; }

    ReadOnlySpan<byte> MethodBytes { get; }

    /// <summary>The host routes match on: the target's or the Host field's host, without port.</summary>
    ReadOnlySpan<byte> Host { get; }

    /// <summary>The authority the client addressed (host and port as received), restated upstream as Host and X-Forwarded-Host.</summary>
    ReadOnlySpan<byte> ForwardedAuthority { get; }

    /// <summary>The path of the target (origin form), without the query.</summary>
    ReadOnlySpan<byte> Path { get; }

    /// <summary>The query without its '?' (empty when there is none), as the gate, the routes and the upstream head read it.</summary>
    ReadOnlySpan<byte> Query { get; }

    /// <summary>Whether body bytes follow the head (declared length or streamed).</summary>
    bool HasBody { get; }

    /// <summary>The length the head declares for the body; -1 when it declares none (chunked, or streamed frames).</summary>
    long DeclaredBodyLength { get; }
}
