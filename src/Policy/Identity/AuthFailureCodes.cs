namespace FastProxy.Policy.Identity;

/// <summary>Stable snake_case codes for <see cref="AuthFailure"/> in audit records and metrics.</summary>
internal static class AuthFailureCodes
{
    public static string Get(AuthFailure failure) => failure switch
    {
        AuthFailure.None => "none",
        AuthFailure.MissingCredential => "missing_token",
        AuthFailure.MultipleAuthorizationHeaders => "multiple_authorization_headers",
        AuthFailure.Malformed => "malformed_token",
        AuthFailure.TooLarge => "token_too_large",
        AuthFailure.Expired => "token_expired",
        AuthFailure.NotYetValid => "token_not_yet_valid",
        AuthFailure.MissingExpiration => "token_without_exp",
        AuthFailure.InvalidIssuer => "invalid_issuer",
        AuthFailure.InvalidAudience => "invalid_audience",
        AuthFailure.InvalidSignature => "invalid_signature",
        AuthFailure.UnknownKey => "unknown_key",
        AuthFailure.AlgorithmNotAllowed => "algorithm_not_allowed",
        AuthFailure.ProviderNotAccepted => "provider_not_accepted",
        AuthFailure.KeysUnavailable => "identity_unavailable",
        AuthFailure.InvalidTokenType => "invalid_token_type",
        _ => "unknown",
    };
}
