namespace FastProxy.Host.Metrics;

/// <summary>The `decision` label of a finished request.</summary>
internal enum RequestDecision : byte
{
    /// <summary>The gate let it through (whatever the upstream then did).</summary>
    Allow,

    /// <summary>The gate refused it, or the audit trail could not record it (on_audit_failure: deny).</summary>
    Deny,

    /// <summary>The gate was never asked (no route, or the request failed before the gate).</summary>
    None,
}
