using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Identity;

/// <summary>
/// One immutable set of verification keys of a provider. Keys with a `kid` are found by it; keys
/// without one (a static PEM) are tried for any token. A new snapshot with different key material
/// gets a new generation, which invalidates cached tokens validated under the old one.
/// </summary>
internal sealed class KeySnapshot
{
    private readonly Dictionary<string, SecurityKey[]> _byKid;
    private readonly VerificationKey[] _verification;
    private readonly VerificationKey[] _verificationWithoutKid;

    /// <summary>By kid (UTF-8). A JWKS holds at most 64 keys, usually 1-3: a linear scan beats hashing the kid.</summary>
    private readonly KeyValuePair<byte[], VerificationKey[]>[] _verificationByKid;

    public KeySnapshot(IReadOnlyList<SecurityKey> keys, long generation, string fingerprint)
    {
        Keys = [.. keys];
        Generation = generation;
        Fingerprint = fingerprint;
        _byKid = new Dictionary<string, SecurityKey[]>(StringComparer.Ordinal);
        var withoutKid = new List<SecurityKey>();
        foreach (var key in keys)
        {
            if (string.IsNullOrEmpty(key.KeyId))
            {
                withoutKid.Add(key);
            }
            else
            {
                _byKid[key.KeyId] = _byKid.TryGetValue(key.KeyId, out var existing) ? [.. existing, key] : [key];
            }
        }

        KeysWithoutKid = [.. withoutKid];

        // Verification keys are built here, once per refresh, so a request never converts a key.
        var verification = new List<VerificationKey>(keys.Count);
        var verificationWithoutKid = new List<VerificationKey>();
        var verificationByKid = new List<KeyValuePair<byte[], VerificationKey[]>>();
        foreach (var key in keys)
        {
            // A key that cannot verify anything (unusable material) still makes its kid known, as
            // Knows(string) does: the token then fails on its signature, not as an unknown kid.
            var ready = VerificationKey.TryCreate(key);
            if (ready is not null)
            {
                verification.Add(ready);
            }

            if (string.IsNullOrEmpty(key.KeyId))
            {
                if (ready is not null)
                {
                    verificationWithoutKid.Add(ready);
                }

                continue;
            }

            var kid = System.Text.Encoding.UTF8.GetBytes(key.KeyId);
            var index = verificationByKid.FindIndex(entry => entry.Key.AsSpan().SequenceEqual(kid));
            VerificationKey[] existing = index < 0 ? [] : verificationByKid[index].Value;
            var entry = new KeyValuePair<byte[], VerificationKey[]>(kid, ready is null ? existing : [.. existing, ready]);
            if (index < 0)
            {
                verificationByKid.Add(entry);
            }
            else
            {
                verificationByKid[index] = entry;
            }
        }

        _verification = [.. verification];
        _verificationWithoutKid = [.. verificationWithoutKid];
        _verificationByKid = [.. verificationByKid];
    }

    public SecurityKey[] Keys { get; }

    public SecurityKey[] KeysWithoutKid { get; }

    public long Generation { get; }

    /// <summary>Identifies the key material (sorted kids + public parameters hash): same fingerprint, same keys.</summary>
    public string Fingerprint { get; }

    public bool IsEmpty => Keys.Length == 0;

    /// <summary>Whether a token naming <paramref name="kid"/> has a key to be checked against.</summary>
    public bool Knows(string? kid)
        => string.IsNullOrEmpty(kid) ? Keys.Length > 0 : _byKid.ContainsKey(kid) || KeysWithoutKid.Length > 0;

    /// <summary>
    /// <see cref="Knows(string?)"/> for a kid read from a token header (UTF-8, unescaped); an empty
    /// kid is no kid.
    /// </summary>
    public bool Knows(ReadOnlySpan<byte> kid)
        => kid.IsEmpty ? Keys.Length > 0 : FindByKid(kid) is not null || KeysWithoutKid.Length > 0;

    /// <summary>
    /// The keys a token naming <paramref name="kid"/> is checked against: with no kid every key;
    /// with a kid the keys carrying it, else the keys without a kid.
    /// </summary>
    public VerificationKey[] Resolve(ReadOnlySpan<byte> kid)
        => kid.IsEmpty ? _verification : FindByKid(kid) ?? _verificationWithoutKid;

    private VerificationKey[]? FindByKid(ReadOnlySpan<byte> kid)
    {
        foreach (var entry in _verificationByKid)
        {
            if (kid.SequenceEqual(entry.Key))
            {
                return entry.Value;
            }
        }

        return null;
    }
}
