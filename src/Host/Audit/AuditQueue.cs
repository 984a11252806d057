using System.Diagnostics.CodeAnalysis;

namespace FastProxy.Host.Audit;

/// <summary>
/// A bounded multi-producer, single-consumer ring of preallocated <see cref="AuditSlot"/>s (D. Vyukov's
/// bounded queue: each slot's sequence says whose turn it is). Producers never block and never
/// allocate: a full ring refuses the record.
/// <para>
/// The sequences live in one dense array, not in the slots: a request claims a position every
/// ~20 µs, long enough for the next slot to have left the cache, and the claim must read its
/// sequence before anything else. Eight sequences share a cache line and are read in order, so that
/// read hits; the slot itself is then only written (store misses do not stall the request thread
/// the way a load miss does).
/// </para>
/// </summary>
internal sealed class AuditQueue
{
    private readonly AuditSlot[] _slots;
    private readonly long[] _sequences;
    private readonly int _mask;
    private long _enqueuePosition;
    private long _dequeuePosition;

    public AuditQueue(int capacity)
    {
        // A power of two so the slot index is a mask, not a division.
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, capacity));
        _slots = new AuditSlot[size];
        _sequences = new long[size];
        for (var i = 0; i < size; i++)
        {
            _slots[i] = new AuditSlot();
            _sequences[i] = i;
        }

        _mask = size - 1;
        Capacity = size;
    }

    public int Capacity { get; }

    public long Count => Math.Max(0, Volatile.Read(ref _enqueuePosition) - Volatile.Read(ref _dequeuePosition));

    /// <summary>Claims the next free slot (producer); false when the ring is full. Publish with <see cref="Publish"/>.</summary>
    public bool TryClaim([MaybeNullWhen(false)] out AuditSlot slot, out long position)
    {
        while (true)
        {
            position = Volatile.Read(ref _enqueuePosition);
            var difference = Volatile.Read(ref _sequences[position & _mask]) - position;
            if (difference == 0)
            {
                if (Interlocked.CompareExchange(ref _enqueuePosition, position + 1, position) == position)
                {
                    slot = _slots[position & _mask];
                    return true;
                }
            }
            else if (difference < 0)
            {
                slot = null;
                return false;
            }

            // Another producer took this position: read the new one.
        }
    }

    /// <summary>Hands the slot claimed at <paramref name="position"/>, filled, to the consumer (a full fence, so the writer's idle flag read after it is fresh).</summary>
    public void Publish(long position) => Interlocked.Exchange(ref _sequences[position & _mask], position + 1);

    /// <summary>The next published slot (consumer only), or null when none is ready.</summary>
    public AuditSlot? Peek()
    {
        var position = _dequeuePosition;
        return Volatile.Read(ref _sequences[position & _mask]) == position + 1 ? _slots[position & _mask] : null;
    }

    /// <summary>Releases the slot returned by <see cref="Peek"/> (consumer only).</summary>
    public void Release(AuditSlot slot)
    {
        var position = _dequeuePosition;
        slot.Clear();
        Volatile.Write(ref _sequences[position & _mask], position + Capacity);
        Volatile.Write(ref _dequeuePosition, position + 1);
    }
}
