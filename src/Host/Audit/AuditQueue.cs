namespace FastProxy.Host.Audit;

/// <summary>
/// A bounded multi-producer, single-consumer ring of preallocated <see cref="AuditSlot"/>s (D. Vyukov's
/// bounded queue: each slot's sequence says whose turn it is). Producers never block and never
/// allocate: a full ring refuses the record.
/// </summary>
internal sealed class AuditQueue
{
    private readonly AuditSlot[] _slots;
    private readonly int _mask;
    private long _enqueuePosition;
    private long _dequeuePosition;

    public AuditQueue(int capacity)
    {
        // A power of two so the slot index is a mask, not a division.
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, capacity));
        _slots = new AuditSlot[size];
        for (var i = 0; i < size; i++)
        {
            _slots[i] = new AuditSlot { Sequence = i };
        }

        _mask = size - 1;
        Capacity = size;
    }

    public int Capacity { get; }

    public long Count => Math.Max(0, Volatile.Read(ref _enqueuePosition) - Volatile.Read(ref _dequeuePosition));

    /// <summary>Claims the next free slot (producer); false when the ring is full. Publish with <see cref="Publish"/>.</summary>
    public bool TryClaim(out AuditSlot slot, out long position)
    {
        while (true)
        {
            position = Volatile.Read(ref _enqueuePosition);
            slot = _slots[position & _mask];
            var difference = Volatile.Read(ref slot.Sequence) - position;
            if (difference == 0)
            {
                if (Interlocked.CompareExchange(ref _enqueuePosition, position + 1, position) == position)
                {
                    return true;
                }
            }
            else if (difference < 0)
            {
                return false;
            }

            // Another producer took this position: read the new one.
        }
    }

    /// <summary>Hands a filled slot to the consumer (a full fence, so the writer's idle flag read after it is fresh).</summary>
    public static void Publish(AuditSlot slot, long position) => Interlocked.Exchange(ref slot.Sequence, position + 1);

    /// <summary>The next published slot (consumer only), or null when none is ready.</summary>
    public AuditSlot? Peek()
    {
        var position = _dequeuePosition;
        var slot = _slots[position & _mask];
        return Volatile.Read(ref slot.Sequence) == position + 1 ? slot : null;
    }

    /// <summary>Releases the slot returned by <see cref="Peek"/> (consumer only).</summary>
    public void Release(AuditSlot slot)
    {
        var position = _dequeuePosition;
        slot.Clear();
        Volatile.Write(ref slot.Sequence, position + Capacity);
        Volatile.Write(ref _dequeuePosition, position + 1);
    }
}
