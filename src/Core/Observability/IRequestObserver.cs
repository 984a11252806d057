namespace FastProxy.Core.Observability;

/// <summary>
/// Receives every decided request (allowed or refused) once it is finished: the audit trail,
/// the access log and the metrics hang off this one seam. Implementations run on the request's
/// thread: they must not block or do I/O (queue and return) and should not allocate.
/// </summary>
public interface IRequestObserver
{
    /// <summary>
    /// False while the audit trail could not promise a record to an authenticated request (no room
    /// left for one, sink failing, stopping): for health reports. The proxy does not decide on it:
    /// a look now and an enqueue later can disagree; it decides with <see cref="TryReserveRecord"/>.
    /// </summary>
    bool IsAuditAvailable { get; }

    /// <summary>
    /// Takes room for the record of the request being decided, so that record cannot be dropped
    /// later (pass the reservation in <see cref="RequestRecord.AuditReservation"/>). False when no
    /// room can be promised: with `on_audit_failure: deny` the proxy then refuses the request with
    /// 503, decided once. Observers that keep no records have nothing to reserve: they promise.
    /// </summary>
    bool TryReserveRecord(out AuditReservation reservation)
    {
        reservation = default;
        return IsAuditAvailable;
    }

    void OnRequestCompleted(in RequestRecord record);
}
