using FastProxy.Core.Errors;
using FastProxy.Core.Gate;
using FastProxy.Core.Observability;
using FastProxy.Core.Routing;

namespace FastProxy.Http.Forwarding;

/// <summary>
/// The protocol-independent stages of forwarding one request, each recording its facts on the exchange: route,
/// decide (the gate), audit stance, limits and the retry rule; failures are named by a <see cref="ProxyErrorKind"/>,
/// which <see cref="ProxyErrorMapping"/> turns into a status and a side to blame. The protocol adapter
/// (<see cref="Proxy.Http1ProxyConnection"/> today) runs them in order and carries out the upstream exchange and relay,
/// whose awaits must stay in the connection's own long-lived frame to cost no state machine per request.
/// </summary>
internal static class Forwarder
{
    /// <summary>Matches the request against the snapshot's routes and records the route on the exchange.</summary>
    public static RouteMatchKind Route(ForwardingExchange exchange, IForwardedRequest request)
    {
        var match = exchange.Runtime.Routes.Match(request.Host, request.Path, request.Method, request.MethodBytes, out var routeIndex);
        exchange.RouteIndex = routeIndex;
        return match;
    }

    /// <summary>A request no route takes: recorded as such, with the gate's audit facts for it.</summary>
    public static void RefuseUnrouted(ForwardingExchange exchange, RouteMatchKind match)
    {
        exchange.Outcome = RequestOutcome.NoRoute;
        exchange.GateAudit = exchange.Runtime.Gate.NoRoute(match == RouteMatchKind.MethodNotAllowed);
    }

    /// <summary>
    /// Asks the gate about a routed request and records its audit facts. A <see cref="GateVerdict.Retry"/> is decided
    /// again once its pending work ends, with that work as <paramref name="settled"/> (the gate takes its result from it).
    /// </summary>
    public static GateDecision Decide(ForwardingExchange exchange, IForwardedRequest request, ClientIdentity client, Task? settled = null)
    {
        var view = new GateRequest(exchange.RouteIndex, request.Method, request.MethodBytes, request.Host, request.Path, request.Query, request, client, settled);
        var decision = exchange.Runtime.Gate.Evaluate(in view, out var audit);
        exchange.GateAudit = audit;
        return decision;
    }

    /// <summary>
    /// Fail closed on the audit trail, decided once: the record's room is reserved now, so an authenticated request
    /// that is served cannot lose its record later; one that cannot be promised a record is not served when the
    /// configuration says so (on_audit_failure: deny). False: refuse the request (recorded as such).
    /// </summary>
    public static bool AdmitUnderAuditStance(ForwardingExchange exchange)
    {
        var runtime = exchange.Runtime;
        if (exchange.GateAudit.Subject is null)
        {
            return true;
        }

        var reserved = runtime.Observer.TryReserveRecord(out var reservation);
        exchange.AuditReservation = reservation;
        if (reserved || !runtime.DenyWhenAuditUnavailable)
        {
            return true;
        }

        exchange.Outcome = RequestOutcome.AuditUnavailable;
        return false;
    }

    /// <summary>Whether the body the head declares is already over the limit (0: no limit); a streamed body is checked as it is copied.</summary>
    public static bool ExceedsBodyLimit(IForwardedRequest request, long maxBodyBytes)
        => maxBodyBytes > 0 && request.DeclaredBodyLength > maxBodyBytes;

    /// <summary>
    /// One retry, only for an idempotent request without a body, only when nothing of it can have reached an upstream
    /// application: the connect failed, or a reused pooled connection turned out to be closed before a single
    /// response byte came back (<see cref="RetryKind.OnlyIfReused"/> for the latter).
    /// </summary>
    public static bool IsRetriable(IForwardedRequest request) => !request.HasBody && RequestMethods.IsIdempotent(request.Method);

    /// <summary>What a response head that never arrived whole is, as a failure (each blames the upstream).</summary>
    public static ProxyErrorKind KindOf(ResponseHeadOutcome outcome) => outcome switch
    {
        ResponseHeadOutcome.TimedOut => ProxyErrorKind.UpstreamResponseTimeout,
        ResponseHeadOutcome.Invalid => ProxyErrorKind.UpstreamBadResponse,
        _ => ProxyErrorKind.UpstreamClosed,
    };
}
