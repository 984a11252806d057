using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Policy.Identity;

namespace FastProxy.Policy.Responses;

/// <summary>
/// Every denial FastProxy's gate can give, built once: status, header fields and a small JSON body
/// that never echoes the token or names a key. Denying allocates nothing.
/// </summary>
internal static class DenyResponses
{
    public const string Realm = "fastproxy";

    private static readonly GateDecision[] ByFailure = BuildAll();

    public static readonly GateDecision NotFound = GateDecision.Deny(404, default, Encoding.ASCII.GetBytes("{\"error\":\"not_found\"}"));

    /// <summary>Reason token of <see cref="RepeatedHeader"/>.</summary>
    public const string RepeatedHeaderReason = "repeated_header";

    /// <summary>400 for a request that repeats a header a rule of its route compares (RFC 9110 §5.3: copies are one list).</summary>
    public static readonly GateDecision RepeatedHeader = GateDecision.Deny(400, default, Encoding.ASCII.GetBytes("{\"error\":\"" + RepeatedHeaderReason + "\"}"));

    /// <summary>Reason token of <see cref="MethodCase"/>.</summary>
    public const string MethodCaseReason = "method_case";

    /// <summary>405 for a method a rule names, sent in another letter case (RFC 9110 §9.1: methods are case-sensitive).</summary>
    public static readonly GateDecision MethodCase = GateDecision.Deny(405, default, Encoding.ASCII.GetBytes("{\"error\":\"" + MethodCaseReason + "\"}"));

    public static GateDecision For(AuthFailure failure) => ByFailure[(int)failure];

    /// <summary>403 for a valid principal the route's policy refuses: `{"error":"forbidden","route":"id"}`.</summary>
    public static GateDecision Forbidden(string routeId)
        => GateDecision.Deny(403, default, Encoding.UTF8.GetBytes("{\"error\":\"forbidden\",\"route\":" + JsonString(routeId) + "}"));

    /// <summary>The reason token used in bodies, logs and metrics.</summary>
    public static string ReasonOf(AuthFailure failure) => failure switch
    {
        AuthFailure.MissingCredential => "missing_token",
        AuthFailure.MultipleAuthorizationHeaders => "multiple_authorization_headers",
        AuthFailure.Malformed => "token_malformed",
        AuthFailure.TooLarge => "token_too_large",
        AuthFailure.Expired => "token_expired",
        AuthFailure.NotYetValid => "token_not_yet_valid",
        AuthFailure.MissingExpiration => "token_without_expiry",
        AuthFailure.InvalidIssuer => "invalid_issuer",
        AuthFailure.InvalidAudience => "invalid_audience",
        AuthFailure.InvalidSignature => "invalid_signature",
        AuthFailure.UnknownKey => "unknown_key",
        AuthFailure.AlgorithmNotAllowed => "algorithm_not_allowed",
        AuthFailure.ProviderNotAccepted => "issuer_not_accepted",
        AuthFailure.KeysUnavailable => "identity_unavailable",
        AuthFailure.InvalidTokenType => "invalid_token_type",
        _ => "none",
    };

    private static string Description(AuthFailure failure) => failure switch
    {
        AuthFailure.Malformed => "The token is malformed",
        AuthFailure.TooLarge => "The token is too large",
        AuthFailure.Expired => "The token expired",
        AuthFailure.NotYetValid => "The token is not valid yet",
        AuthFailure.MissingExpiration => "The token has no expiry",
        AuthFailure.InvalidIssuer => "The token issuer is not trusted",
        AuthFailure.InvalidAudience => "The token audience is invalid",
        AuthFailure.InvalidSignature => "The token signature is invalid",
        AuthFailure.UnknownKey => "The token signing key is unknown",
        AuthFailure.AlgorithmNotAllowed => "The token algorithm is not allowed",
        AuthFailure.ProviderNotAccepted => "The token issuer is not accepted here",
        AuthFailure.InvalidTokenType => "The token type is not accepted here",
        _ => "The token is invalid",
    };

    private static GateDecision[] BuildAll()
    {
        var values = Enum.GetValues<AuthFailure>();
        var decisions = new GateDecision[values.Length];
        foreach (var failure in values)
        {
            decisions[(int)failure] = Build(failure);
        }

        return decisions;
    }

    private static GateDecision Build(AuthFailure failure)
    {
        var reason = ReasonOf(failure);
        switch (failure)
        {
            case AuthFailure.MissingCredential:
                // RFC 6750 §3.1: a request without credentials gets a challenge with no error attribute.
                return GateDecision.Deny(
                    401,
                    HeaderFields.Create("WWW-Authenticate", "Bearer realm=\"" + Realm + "\""),
                    Encoding.ASCII.GetBytes("{\"error\":\"unauthorized\",\"reason\":\"" + reason + "\"}"));
            case AuthFailure.MultipleAuthorizationHeaders:
                // RFC 9110 §5.3: Authorization is a singleton field; two of them are an ambiguous request.
                return GateDecision.Deny(400, default, Encoding.ASCII.GetBytes("{\"error\":\"bad_request\",\"reason\":\"" + reason + "\"}"));
            case AuthFailure.KeysUnavailable:
                return GateDecision.Deny(
                    503,
                    HeaderFields.Create("Retry-After", "5"),
                    Encoding.ASCII.GetBytes("{\"error\":\"identity_unavailable\"}"));
            default:
                // RFC 6750 §3 / §3.1: error="invalid_token" with a human-readable error_description.
                return GateDecision.Deny(
                    401,
                    HeaderFields.Create("WWW-Authenticate", "Bearer realm=\"" + Realm + "\", error=\"invalid_token\", error_description=\"" + Description(failure) + "\""),
                    Encoding.ASCII.GetBytes("{\"error\":\"unauthorized\",\"reason\":\"" + reason + "\"}"));
        }
    }

    private static string JsonString(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c < 0x20)
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('"').ToString();
    }
}
