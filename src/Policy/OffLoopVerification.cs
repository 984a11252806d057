using FastProxy.Policy.Identity;

namespace FastProxy.Policy;

/// <summary>
/// A cache miss verified on the thread pool, handed back to the second evaluation of the same request through
/// <see cref="Core.Gate.GateRequest.Settled"/>. Bound to the policy that made it: after a reload in between, the
/// request is verified again under the new policy (its claims, routes and keys).
/// </summary>
internal sealed record OffLoopVerification(CompiledPolicy Policy, AuthFailure Failure, Principal? Principal, Task? KeysStillPending);
