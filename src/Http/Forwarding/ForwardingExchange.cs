using System.Diagnostics;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Http.Proxy;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// The protocol-independent facts of one request in progress, from its complete head to its record: the configuration
/// snapshot it runs under, the route, the gate's audit facts and the audit reservation, the request ids, outcome,
/// status, timing and body bytes. Rented from <see cref="ExchangePool"/> for the request and reset on return, so a
/// request allocates none and an idle connection holds none.
/// </summary>
internal sealed class ForwardingExchange
{
    private RequestIds _ids;

    /// <summary>The configuration the request started under; it finishes under it even across a reload.</summary>
    public ProxyRuntime Runtime { get; private set; } = null!;

    /// <summary>The matched route, or -1 before routing or when none matched.</summary>
    public int RouteIndex { get; set; } = -1;

    public GateAudit GateAudit { get; set; }

    /// <summary>The room reserved in the audit trail for an authenticated request (fail closed on the audit trail).</summary>
    public AuditReservation AuditReservation { get; set; }

    public RequestOutcome Outcome { get; set; }

    /// <summary>The status the client was answered with; 0 when none was.</summary>
    public int Status { get; set; }

    /// <summary>The upstream endpoint the request was last sent to, for the record.</summary>
    public string? UpstreamName { get; set; }

    /// <summary>Request body bytes sent upstream (framing included).</summary>
    public long BytesIn { get; private set; }

    /// <summary>Response body bytes sent to the client (framing included).</summary>
    public long BytesOut { get; private set; }

    public long StartTimestamp { get; private set; }

    public long StartUnixMilliseconds { get; private set; }

    /// <summary>X-Request-Id and trace context of the request (pooled buffer, given back by <see cref="Reset"/>).</summary>
    public ref readonly RequestIds Ids => ref _ids;

    /// <summary>Starts the request: the clock, the snapshot and its ids (taken over: given back on <see cref="Reset"/>).</summary>
    public void Begin(ProxyRuntime runtime, TimeProvider time, RequestIds ids)
    {
        StartTimestamp = Stopwatch.GetTimestamp();
        StartUnixMilliseconds = time.GetUtcNow().ToUnixTimeMilliseconds();
        Runtime = runtime;
        _ids = ids;
    }

    public void AddBytesIn(long bytes) => BytesIn += bytes;

    public void AddBytesOut(long bytes) => BytesOut += bytes;

    /// <summary>
    /// Tells the observer (audit trail, access log, metrics) how the request ended. The reservation is handed over
    /// with the record, so it is cleared here: a reset never releases it a second time.
    /// </summary>
    public void Complete(ClientIdentity client, string protocol, ReadOnlySpan<byte> method, ReadOnlySpan<byte> host, ReadOnlySpan<byte> path)
    {
        var record = new RequestRecord
        {
            StartUnixMilliseconds = StartUnixMilliseconds,
            DurationMicroseconds = (long)Stopwatch.GetElapsedTime(StartTimestamp).TotalMicroseconds,
            RequestId = _ids.RequestId,
            ClientRequestId = _ids.ClientRequestId,
            TraceId = _ids.TraceId,
            ClientAddress = client.Address,
            ClientCertificate = client.CertificateSubject,
            ClientCertificateFingerprint = client.CertificateFingerprint,
            ClientCertificateUriSans = client.UriSans,
            Protocol = protocol,
            Method = method,
            Host = host,
            Path = path,
            RouteIndex = RouteIndex,
            Outcome = Outcome,
            Gate = GateAudit,
            Status = Status,
            UpstreamEndpoint = UpstreamName,
            BytesIn = BytesIn,
            BytesOut = BytesOut,
            AuditReservation = AuditReservation,
        };
        AuditReservation = default;
        Runtime.Observer.OnRequestCompleted(in record);
    }

    /// <summary>Back to the state of a fresh exchange; gives the ids' buffer back.</summary>
    public void Reset()
    {
        _ids.Dispose();
        _ids = default;
        Runtime = null!;
        RouteIndex = -1;
        GateAudit = GateAudit.None;
        AuditReservation = default;
        Outcome = RequestOutcome.ClientFailed;
        Status = 0;
        UpstreamName = null;
        BytesIn = 0;
        BytesOut = 0;
        StartTimestamp = 0;
        StartUnixMilliseconds = 0;
    }
}
