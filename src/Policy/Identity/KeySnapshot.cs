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

    public IEnumerable<SecurityKey> Resolve(string? kid)
    {
        if (string.IsNullOrEmpty(kid))
        {
            return Keys;
        }

        return _byKid.TryGetValue(kid, out var keys) ? keys : KeysWithoutKid;
    }
}
