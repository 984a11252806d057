using FastProxy.Policy.Crypto;

namespace FastProxy.Policy.Identity;

/// <summary>
/// Bounded cache of validated tokens: a power-of-two array of slots indexed by the token hash,
/// two-way (a token may live in slot i or i^1). Reads are lock-free and allocate nothing; a write
/// replaces an empty, dead or the sooner-expiring of the two slots. An entry never outlives the
/// token's exp. Size 0 turns caching off (every request validates in full).
/// </summary>
internal sealed class TokenCache
{
    private readonly Principal?[] _slots;
    private readonly int _mask;

    public TokenCache(int size)
    {
        if (size <= 0)
        {
            _slots = [];
            _mask = 0;
            return;
        }

        // Rounded up to a power of two so the slot is hash & mask; at least 2 for the two ways.
        var capacity = (int)Math.Min(1u << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(size, 2)));
        _slots = new Principal?[capacity];
        _mask = capacity - 1;
    }

    public bool Enabled => _slots.Length != 0;

    public int Capacity => _slots.Length;

    public bool TryGet(ReadOnlySpan<byte> token, ulong hash, long nowUtcTicks, out Principal principal)
    {
        var slots = _slots;
        if (slots.Length != 0)
        {
            var index = (int)hash & _mask;
            var candidate = Volatile.Read(ref slots[index]);
            if (IsHit(candidate, token, hash, nowUtcTicks))
            {
                principal = candidate!;
                return true;
            }

            candidate = Volatile.Read(ref slots[index ^ 1]);
            if (IsHit(candidate, token, hash, nowUtcTicks))
            {
                principal = candidate!;
                return true;
            }
        }

        principal = null!;
        return false;
    }

    public void Add(Principal principal, long nowUtcTicks)
    {
        var slots = _slots;
        if (slots.Length == 0 || principal.TokenBytes is null)
        {
            return;
        }

        var index = (int)principal.TokenHash & _mask;
        var first = Volatile.Read(ref slots[index]);
        var second = Volatile.Read(ref slots[index ^ 1]);
        if (first is not null && first.ExpiresUtcTicks > nowUtcTicks && (second is null || second.ExpiresUtcTicks <= nowUtcTicks || second.ExpiresUtcTicks < first.ExpiresUtcTicks))
        {
            index ^= 1;
        }

        Volatile.Write(ref slots[index], principal);
    }

    /// <summary>Drops a token (e.g. its key was rotated out) so the next request validates it again.</summary>
    public void Remove(Principal principal)
    {
        var slots = _slots;
        if (slots.Length == 0)
        {
            return;
        }

        var index = (int)principal.TokenHash & _mask;
        Interlocked.CompareExchange(ref slots[index], null, principal);
        Interlocked.CompareExchange(ref slots[index ^ 1], null, principal);
    }

    /// <summary>
    /// The same token, or the same ECDSA token with the other form of its signature (same R,
    /// S = n - S: valid whenever the cached one is, see EcdsaSignatureForms), which is one cache
    /// entry, not two. The twin check runs only when the hash matched and the bytes did not.
    /// </summary>
    private static bool IsHit(Principal? candidate, ReadOnlySpan<byte> token, ulong hash, long nowUtcTicks)
        => candidate is not null
            && candidate.TokenHash == hash
            && candidate.ExpiresUtcTicks > nowUtcTicks
            && (token.SequenceEqual(candidate.TokenBytes) || EcdsaSignatureForms.IsOtherForm(token, candidate.TokenBytes));
}
