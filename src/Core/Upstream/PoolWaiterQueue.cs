using System.Diagnostics.CodeAnalysis;

namespace FastProxy.Core.Upstream;

/// <summary>
/// The acquirers waiting for a connection to one endpoint, first come first served. Intrusive (the
/// links live in each <see cref="PoolWaiter"/>): a waiter that gives up is unlinked at once, so
/// <see cref="Count"/> is the live waiters the queue bound applies to, never dead entries left
/// behind until the next release. Not thread-safe: the endpoint's lock guards it.
/// </summary>
internal sealed class PoolWaiterQueue
{
    private PoolWaiter? _first;
    private PoolWaiter? _last;

    public int Count { get; private set; }

    public void Enqueue(PoolWaiter waiter)
    {
        waiter.Previous = _last;
        waiter.Next = null;
        waiter.IsQueued = true;
        if (_last is null)
        {
            _first = waiter;
        }
        else
        {
            _last.Next = waiter;
        }

        _last = waiter;
        Count++;
    }

    /// <summary>The longest-waiting waiter, unlinked; false when none waits.</summary>
    public bool TryDequeue([NotNullWhen(true)] out PoolWaiter? waiter)
    {
        if (_first is null)
        {
            waiter = null;
            return false;
        }

        waiter = _first;
        Remove(waiter);
        return true;
    }

    /// <summary>Unlinks <paramref name="waiter"/>; false when it was no longer queued (a release or a free slot already took it out).</summary>
    public bool Remove(PoolWaiter waiter)
    {
        if (!waiter.IsQueued)
        {
            return false;
        }

        if (waiter.Previous is null)
        {
            _first = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _last = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Previous = null;
        waiter.Next = null;
        waiter.IsQueued = false;
        Count--;
        return true;
    }
}
