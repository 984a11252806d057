namespace FastProxy.Policy.Identity;

/// <summary>
/// The asymmetric JWS algorithms we verify (RFC 7518 §3.1). Anything else a token names (none,
/// HS*, unknown) is <see cref="Unknown"/> and never in a provider's allow-list.
/// </summary>
internal enum JwsAlgorithm : byte
{
    Unknown = 0,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
}
