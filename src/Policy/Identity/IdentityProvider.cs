using System.Text;
using FastProxy.Policy.Config;

namespace FastProxy.Policy.Identity;

/// <summary>
/// One trusted issuer: its keys and what a token from it must satisfy, precomputed for
/// <see cref="JwsValidator"/>: the issuer and audiences as UTF-8 (compared exactly, RFC 7519
/// §4.1.1 / §4.1.3), the allowed algorithms as a bit set (only asymmetric ones: the compiler
/// refuses none and HS*), the accepted token types, and the clock skew in ticks.
/// </summary>
internal sealed class IdentityProvider : IAsyncDisposable
{
    private readonly uint _algorithms;

    /// <summary>Accepted `typ` values, normalised (<see cref="TokenTypes"/>); empty: typ not checked.</summary>
    private readonly byte[][] _tokenTypes;

    public IdentityProvider(int index, IdentityProviderConfig config, KeySource keys)
    {
        Index = index;
        Name = config.Name;
        Issuer = config.Issuer;
        IssuerUtf8 = Encoding.UTF8.GetBytes(config.Issuer);
        Keys = keys;
        ClockSkewTicks = TimeSpan.FromSeconds(config.ClockSkewSeconds).Ticks;
        var audiences = new byte[config.Audiences.Count][];
        for (var i = 0; i < audiences.Length; i++)
        {
            audiences[i] = Encoding.UTF8.GetBytes(config.Audiences[i]);
        }

        AudiencesUtf8 = audiences;
        var tokenTypes = new byte[config.TokenTypes.Count][];
        for (var i = 0; i < tokenTypes.Length; i++)
        {
            tokenTypes[i] = TokenTypes.Normalize(config.TokenTypes[i]);
        }

        _tokenTypes = tokenTypes;
        foreach (var name in config.Algorithms)
        {
            var alg = JwsAlgorithms.Parse(name);
            if (alg != JwsAlgorithm.Unknown)
            {
                _algorithms |= 1u << (int)alg;
            }
        }
    }

    public int Index { get; }

    public string Name { get; }

    public string Issuer { get; }

    public byte[] IssuerUtf8 { get; }

    /// <summary>The accepted `aud` values (RFC 7519 §4.1.3), UTF-8.</summary>
    public byte[][] AudiencesUtf8 { get; }

    /// <summary>Tolerance applied to exp and nbf (RFC 7519 §4.1.4: "some small leeway").</summary>
    public long ClockSkewTicks { get; }

    public KeySource Keys { get; }

    /// <summary>The algorithm allow-list (RFC 8725 §3.1): never none, never HS*, never Unknown.</summary>
    public bool AllowsAlgorithm(JwsAlgorithm alg) => alg != JwsAlgorithm.Unknown && (_algorithms & (1u << (int)alg)) != 0;

    /// <summary>
    /// RFC 8725 §3.11 explicit typing, where the provider's token_types asks for it: the header's
    /// `typ` must be one of them (so an ID token is not taken for an access token, RFC 9068 §2.1);
    /// a token without `typ` is refused then. Without token_types any typ, or none, passes.
    /// </summary>
    public bool AcceptsTokenType(bool hasTyp, ReadOnlySpan<byte> typ)
        => _tokenTypes.Length == 0 || (hasTyp && TokenTypes.Matches(typ, _tokenTypes));

    public ValueTask DisposeAsync() => Keys.DisposeAsync();
}
