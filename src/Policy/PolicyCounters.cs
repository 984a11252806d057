namespace FastProxy.Policy;

/// <summary>
/// Decision and identity counters. Fields are incremented with <see cref="Interlocked"/>; read
/// them with <c>Volatile.Read</c>. One instance should be shared across reloads
/// (pass the same one in <see cref="PolicyCompileOptions.Counters"/>) so totals survive a swap.
/// </summary>
#pragma warning disable CA1051 // public fields on purpose: Interlocked needs a ref to the field
public sealed class PolicyCounters
{
    public long Allowed;

    /// <summary>400: a malformed credential (two Authorization headers).</summary>
    public long Denied400;

    /// <summary>401: no or bad token.</summary>
    public long Denied401;

    /// <summary>403: a valid principal the policy refuses.</summary>
    public long Denied403;

    /// <summary>503: no usable verification keys (the IdP is unreachable past the key age limit).</summary>
    public long Unavailable503;

    /// <summary>404: the request matched no route.</summary>
    public long NoRoute;

    public long ShadowAllowed;

    public long ShadowDenied;

    public long CacheHits;

    public long CacheMisses;

    public long JwksRefreshes;

    public long JwksFailures;

    /// <summary>Times the gate answered Retry while an unknown-kid key refresh ran.</summary>
    public long KeyRefreshRetries;

    /// <summary>Cache misses whose token was verified on the thread pool (the gate answered Retry meanwhile).</summary>
    public long OffLoopVerifications;
}
#pragma warning restore CA1051
