using FastProxy.Core.Transport;

namespace FastProxy.Core.Upstream;

/// <summary>
/// An acquirer waiting at the per-endpoint cap. Completed (under the endpoint lock) with a
/// released connection to reuse, or with null meaning "a slot is free: connect yourself".
/// It sits in a <see cref="PoolWaiterQueue"/> until then, linked in place so that one giving up
/// (timeout, cancellation) leaves the queue at once instead of holding a place in its bound.
/// </summary>
internal sealed class PoolWaiter() : TaskCompletionSource<TransportConnection?>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    /// <summary>The next waiter (queued later); guarded by the endpoint lock.</summary>
    public PoolWaiter? Next { get; set; }

    /// <summary>The previous waiter (queued earlier); guarded by the endpoint lock.</summary>
    public PoolWaiter? Previous { get; set; }

    /// <summary>In a queue now; guarded by the endpoint lock.</summary>
    public bool IsQueued { get; set; }
}
