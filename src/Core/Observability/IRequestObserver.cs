namespace FastProxy.Core.Observability;

/// <summary>
/// Receives every decided request (allowed or refused) once it is finished: the audit trail,
/// the access log and the metrics hang off this one seam. Implementations run on the request's
/// thread: they must not block or do I/O (queue and return) and should not allocate.
/// </summary>
public interface IRequestObserver
{
    /// <summary>
    /// False while the audit trail cannot take records (queue full, sink failing). With
    /// `on_audit_failure: deny` the proxy then refuses authenticated requests with 503 instead
    /// of serving them unrecorded.
    /// </summary>
    bool IsAuditAvailable { get; }

    void OnRequestCompleted(in RequestRecord record);
}
