using System.Text.Json;
using FastProxy.Policy.Config;
using FastProxy.Policy.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Identity;

/// <summary>
/// One trusted issuer: its keys and the <see cref="TokenValidationParameters"/> built once for it.
/// Validation (a token-cache miss) runs <see cref="JsonWebTokenHandler.ValidateTokenAsync(string, TokenValidationParameters)"/>
/// with iss, aud, exp, nbf and signature always checked, only asymmetric algorithms from the
/// configured list, and keys only from our own key set (header jku / x5u / jwk are never followed:
/// the IssuerSigningKeyResolver ignores them).
/// </summary>
internal sealed class IdentityProvider : IAsyncDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private readonly TokenValidationParameters _parameters;
    private readonly HashSet<string> _algorithms;
    private readonly ILogger _logger;

    public IdentityProvider(int index, IdentityProviderConfig config, KeySource keys, TimeProvider time, ILogger logger)
    {
        Index = index;
        Name = config.Name;
        Issuer = config.Issuer;
        Keys = keys;
        _logger = logger;
        _algorithms = new HashSet<string>(config.Algorithms, StringComparer.Ordinal);
        _parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = config.Issuer,
            ValidateAudience = true,
            RequireAudience = true,
            ValidAudiences = [.. config.Audiences],
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(config.ClockSkewSeconds),
            LifetimeValidator = (notBefore, expires, _, parameters) => ValidateLifetime(notBefore, expires, parameters, time),
            RequireSignedTokens = true,
            ValidAlgorithms = [.. config.Algorithms],
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) => Keys.Current?.Resolve(kid) ?? [],
            SaveSigninToken = false,
            ValidateTokenReplay = false,
            LogValidationExceptions = false,
            IncludeTokenOnFailedValidation = false,
        };
    }

    public int Index { get; }

    public string Name { get; }

    public string Issuer { get; }

    public KeySource Keys { get; }

    /// <summary>Precheck of the unverified header: algorithm allow-list (never none, never HS*).</summary>
    public bool AllowsAlgorithm(string? alg) => alg is not null && _algorithms.Contains(alg);

    /// <summary>
    /// Validates synchronously. ValidateTokenAsync completes synchronously for in-memory keys (no
    /// ConfigurationManager: the resolver reads our key snapshot); if it ever does not, we do not
    /// block a pool thread on it: the request is answered 503 and the event logged.
    /// </summary>
    public AuthFailure Validate(string token, out JsonWebToken? validated)
    {
        validated = null;
        var task = Handler.ValidateTokenAsync(token, _parameters);
        if (!task.IsCompletedSuccessfully)
        {
            PolicyLog.ValidationNotSynchronous(_logger);
            return AuthFailure.KeysUnavailable;
        }

#pragma warning disable RS0030 // Result is banned to prevent blocking; IsCompletedSuccessfully was checked above so this cannot block
        var result = task.Result;
#pragma warning restore RS0030
        if (result.IsValid)
        {
            validated = (JsonWebToken)result.SecurityToken;
            return AuthFailure.None;
        }

        var failure = Classify(result.Exception);
        PolicyLog.TokenRefused(_logger, failure);

        return failure;
    }

    /// <summary>
    /// RFC 7519 §4.1.4 / §4.1.5 with our <see cref="TimeProvider"/> (testable time): exp required and
    /// in the future, nbf (if any) in the past, both with the configured clock skew.
    /// </summary>
    private static bool ValidateLifetime(DateTime? notBefore, DateTime? expires, TokenValidationParameters parameters, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("token has no expiration");
        }

        if (expires.Value.ToUniversalTime() < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("token expired");
        }

        if (notBefore is { } nbf && nbf.ToUniversalTime() > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("token not yet valid");
        }

        return true;
    }

    public static JsonDocument ParsePayload(JsonWebToken token)
        => JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload), new JsonDocumentOptions { MaxDepth = 16 });

    public ValueTask DisposeAsync() => Keys.DisposeAsync();

    private static AuthFailure Classify(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => AuthFailure.Expired,
        SecurityTokenNotYetValidException => AuthFailure.NotYetValid,
        SecurityTokenNoExpirationException => AuthFailure.MissingExpiration,
        SecurityTokenInvalidIssuerException => AuthFailure.InvalidIssuer,
        SecurityTokenInvalidAudienceException => AuthFailure.InvalidAudience,
        // The kid was checked against our key set before validation, so "no key verified the
        // signature" (IDX10503) means a bad signature here, not an unknown key.
        SecurityTokenSignatureKeyNotFoundException => AuthFailure.InvalidSignature,
        SecurityTokenInvalidAlgorithmException => AuthFailure.AlgorithmNotAllowed,
        SecurityTokenInvalidSignatureException => AuthFailure.InvalidSignature,
        SecurityTokenMalformedException => AuthFailure.Malformed,
        _ => AuthFailure.InvalidSignature,
    };
}
