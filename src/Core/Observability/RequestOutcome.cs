namespace FastProxy.Core.Observability;

/// <summary>What finally happened to a request, whoever answered it.</summary>
public enum RequestOutcome : byte
{
    /// <summary>Forwarded; the upstream's response was relayed.</summary>
    Forwarded,

    /// <summary>Refused by the gate (401, 403, 503 for identity unavailable, 400 for a malformed credential).</summary>
    Denied,

    /// <summary>No route (404) or no route for the method (405).</summary>
    NoRoute,

    /// <summary>Allowed, but the upstream could not answer (502, 503, 504).</summary>
    UpstreamFailed,

    /// <summary>The request itself was unacceptable after its head (413, bad body framing) or the client went away.</summary>
    ClientFailed,

    /// <summary>Allowed, but refused because the audit trail could not take the record (on_audit_failure: deny).</summary>
    AuditUnavailable,
}
