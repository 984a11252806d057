namespace FastProxy.Policy.Identity;

/// <summary>Why a request has no valid principal. Each value maps to one precomputed response.</summary>
public enum AuthFailure : byte
{
    None = 0,

    /// <summary>No bearer credential: 401 with a bare challenge (RFC 6750 §3.1).</summary>
    MissingCredential,

    /// <summary>More than one Authorization header: 400.</summary>
    MultipleAuthorizationHeaders,

    Malformed,
    TooLarge,
    Expired,
    NotYetValid,
    MissingExpiration,
    InvalidIssuer,
    InvalidAudience,
    InvalidSignature,
    UnknownKey,
    AlgorithmNotAllowed,

    /// <summary>A valid token from a provider this route does not accept.</summary>
    ProviderNotAccepted,

    /// <summary>No usable verification keys (IdP down past the age limit): 503, not 401.</summary>
    KeysUnavailable,

    /// <summary>The JWT `typ` header is missing or not one of the provider's token_types (RFC 8725 §3.11).</summary>
    InvalidTokenType,
}
