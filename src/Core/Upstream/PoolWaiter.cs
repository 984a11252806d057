using FastProxy.Core.Transport;

namespace FastProxy.Core.Upstream;

/// <summary>
/// An acquirer waiting at the per-endpoint cap. Completed (under the endpoint lock) with a
/// released connection to reuse, or with null meaning "a slot is free: connect yourself".
/// </summary>
internal sealed class PoolWaiter() : TaskCompletionSource<SocketConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);
