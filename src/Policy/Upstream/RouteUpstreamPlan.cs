using System.Security.Cryptography;
using System.Text;
using FastProxy.Core.Gate;
using FastProxy.Policy.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Upstream;

/// <summary>
/// What one route sends upstream about the principal: claim headers ("x-user: alice") and/or a
/// short-lived assertion JWT signed by the proxy (audience = the route's cluster). Rendered once per
/// (principal, route) and cached on the principal.
/// </summary>
internal sealed class RouteUpstreamPlan
{
    public const string AssertionHeader = "x-fastproxy-assertion";

    /// <summary>Assertions live one minute: long enough to cache per token, short enough to be useless if leaked.</summary>
    private static readonly TimeSpan AssertionLifetime = TimeSpan.FromSeconds(60);

    /// <summary>A cached assertion is re-minted when less than this is left, so upstreams never see one about to expire.</summary>
    private static readonly TimeSpan AssertionRenewBefore = TimeSpan.FromSeconds(15);

    /// <summary>One header value is capped: a huge claim must not blow the upstream's header limits.</summary>
    private const int MaxHeaderValueBytes = 4096;

    private static readonly JsonWebTokenHandler Handler = new();

    private readonly (string Name, byte[] NameBytes, int ClaimId, string Path)[] _headers;
    private readonly ProxyAssertionKey? _assertionKey;
    private readonly string _assertionIssuer;
    private readonly string _audience;
    private readonly string _routeId;
    private readonly string _version;

    public RouteUpstreamPlan((string Name, int ClaimId, string Path)[] headers, ProxyAssertionKey? assertionKey, string assertionIssuer, string audience, string routeId, string version)
    {
        _headers = new (string, byte[], int, string)[headers.Length];
        for (var i = 0; i < headers.Length; i++)
        {
            _headers[i] = (headers[i].Name, Encoding.ASCII.GetBytes(headers[i].Name), headers[i].ClaimId, headers[i].Path);
        }

        _assertionKey = assertionKey;
        _assertionIssuer = assertionIssuer;
        _audience = audience;
        _routeId = routeId;
        _version = version;
        var names = new List<string>();
        foreach (var header in headers)
        {
            names.Add(header.Name);
        }

        if (assertionKey is not null)
        {
            names.Add(AssertionHeader);
        }

        HeaderNames = names;
    }

    /// <summary>Header names this route injects (lower-case): the forwarder strips inbound copies.</summary>
    public IReadOnlyList<string> HeaderNames { get; }

    public bool IsEmpty => HeaderNames.Count == 0;

    public bool HasAssertion => _assertionKey is not null;

    public UpstreamIdentity Get(Principal principal, int routeIndex, long nowUtcTicks)
    {
        var slots = principal.UpstreamIdentities;
        if (Volatile.Read(ref slots[routeIndex]) is UpstreamIdentity cached && cached.ValidUntilUtcTicks > nowUtcTicks)
        {
            return cached;
        }

        var built = Build(principal, nowUtcTicks);
        Volatile.Write(ref slots[routeIndex], built);
        return built;
    }

    private UpstreamIdentity Build(Principal principal, long nowUtcTicks)
    {
        var fields = new HeaderFields.Builder();
        foreach (var (name, _, claimId, _) in _headers)
        {
            var claim = principal.Claims[claimId];
            if (!claim.IsPresent || claim.Values.Length == 0)
            {
                continue;
            }

            // The name was checked to be a token when the policy compiled; Sanitize leaves a valid field value.
            fields.Add(name, Sanitize(string.Join(",", claim.Values)));
        }

        var validUntil = principal.ExpiresUtcTicks;
        string? assertionId = null;
        if (_assertionKey is not null)
        {
            var now = new DateTime(nowUtcTicks, DateTimeKind.Utc);
            var expires = new DateTime(Math.Min(principal.ExpiresUtcTicks, nowUtcTicks + AssertionLifetime.Ticks), DateTimeKind.Utc);
            assertionId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
            var claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["jti"] = assertionId,
                ["fp_route"] = _routeId,
                ["fp_policy"] = _version,
                ["fp_iss"] = principal.Issuer,
            };
            if (principal.Subject is not null)
            {
                claims["sub"] = principal.Subject;
            }

            var token = Handler.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = _assertionIssuer,
                Audience = _audience,
                IssuedAt = now,
                NotBefore = now,
                Expires = expires,
                Claims = claims,
                SigningCredentials = _assertionKey.Credentials,
            });
            fields.Add(AssertionHeader, token);
            validUntil = Math.Min(validUntil, expires.Ticks - AssertionRenewBefore.Ticks);
        }

        return new UpstreamIdentity(fields.Build(), validUntil, assertionId);
    }

    /// <summary>RFC 9110 §5.5: a field value has no CR, LF, NUL or other controls (HTAB aside); cap its size.</summary>
    private static string Sanitize(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxHeaderValueBytes));
        foreach (var c in value)
        {
            if (builder.Length >= MaxHeaderValueBytes)
            {
                break;
            }

            if ((c >= 0x20 && c != 0x7F) || c == '\t')
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim();
    }
}
