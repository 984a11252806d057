namespace FastProxy.Core.Observability;

/// <summary>
/// Room for one audit record, taken when a request is decided (<see cref="IRequestObserver.TryReserveRecord"/>)
/// and used by that request's <see cref="RequestRecord"/>: the record it stands for can no longer be
/// refused for lack of room. A value, so taking one allocates nothing; <c>default</c> holds nothing.
/// </summary>
public readonly struct AuditReservation
{
    private readonly object? _owner;

    /// <summary>Room taken in <paramref name="owner"/> (the audit trail that will write the record).</summary>
    public AuditReservation(object owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        _owner = owner;
    }

    /// <summary>True when this holds room at all.</summary>
    public bool IsHeld => _owner is not null;

    /// <summary>True when the room was taken in <paramref name="owner"/> (a reservation is good only where it was taken).</summary>
    public bool IsFrom(object owner) => _owner is not null && ReferenceEquals(_owner, owner);
}
