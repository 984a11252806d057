using FastProxy.Core.Observability;

namespace FastProxy.Host.Observability;

/// <summary>Fans one request record out to the audit trail, the metrics and the access log.</summary>
public sealed class CompositeRequestObserver(IRequestObserver audit, IReadOnlyList<IRequestObserver> others) : IRequestObserver
{
    private readonly IRequestObserver[] _others = [.. others];

    /// <summary>Only the audit trail's availability matters for on_audit_failure.</summary>
    public bool IsAuditAvailable => audit.IsAuditAvailable;

    /// <summary>Only the audit trail keeps records that must not be lost: the room is taken there.</summary>
    public bool TryReserveRecord(out AuditReservation reservation) => audit.TryReserveRecord(out reservation);

    public void OnRequestCompleted(in RequestRecord record)
    {
        audit.OnRequestCompleted(record);
        foreach (var observer in _others)
        {
            observer.OnRequestCompleted(record);
        }
    }
}
