using System.Net;
using FastProxy.Core.Gate;

namespace FastProxy.Core.Observability;

/// <summary>
/// One finished request as the protocol layer saw it: the input of the audit trail, the access
/// log and the request metrics. Spans point into the request's buffers and are valid only
/// during <see cref="IRequestObserver.OnRequestCompleted"/>: an observer copies what it keeps.
/// </summary>
public readonly ref struct RequestRecord
{
    /// <summary>When the request head was complete (Unix time, milliseconds).</summary>
    public long StartUnixMilliseconds { get; init; }

    /// <summary>From head complete to the last response byte sent.</summary>
    public long DurationMicroseconds { get; init; }

    /// <summary>The proxy's own id for the request (generated, never the client's; sent upstream as X-Request-Id).</summary>
    public ReadOnlySpan<byte> RequestId { get; init; }

    /// <summary>
    /// The X-Request-Id the client sent, sanitised and capped (empty when none): recorded beside
    /// <see cref="RequestId"/>, never as it, so a client cannot choose or collide the proxy's ids.
    /// </summary>
    public ReadOnlySpan<byte> ClientRequestId { get; init; }

    /// <summary>W3C trace id (32 lower-case hex digits).</summary>
    public ReadOnlySpan<byte> TraceId { get; init; }

    public IPAddress? ClientAddress { get; init; }

    /// <summary>Verified client certificate subject (mTLS), or null.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>SHA-256 of the verified client certificate (lowercase hex), or null without one.</summary>
    public string? ClientCertificateFingerprint { get; init; }

    /// <summary>The verified client certificate's URI SANs (SPIFFE IDs and the like); null or empty without any.</summary>
    public IReadOnlyList<string>? ClientCertificateUriSans { get; init; }

    /// <summary>"HTTP/1.1", "HTTP/1.0" or "HTTP/2".</summary>
    public string Protocol { get; init; }

    public ReadOnlySpan<byte> Method { get; init; }

    public ReadOnlySpan<byte> Host { get; init; }

    public ReadOnlySpan<byte> Path { get; init; }

    /// <summary>Index of the matched route, -1 when none matched.</summary>
    public int RouteIndex { get; init; }

    public RequestOutcome Outcome { get; init; }

    /// <summary>The gate's reasons; <see cref="GateAudit.None"/> when the gate was not asked (no route).</summary>
    public GateAudit Gate { get; init; }

    /// <summary>Status sent to the client (0 when the connection broke before a status was sent).</summary>
    public int Status { get; init; }

    /// <summary>The upstream endpoint that answered, or null.</summary>
    public string? UpstreamEndpoint { get; init; }

    /// <summary>Request body bytes received from the client.</summary>
    public long BytesIn { get; init; }

    /// <summary>Response body bytes sent to the client.</summary>
    public long BytesOut { get; init; }

    /// <summary>The room taken for this record when the request was decided (<c>default</c> when none was taken).</summary>
    public AuditReservation AuditReservation { get; init; }
}
