using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Host.Demo;

/// <summary>
/// A throw-away identity provider for the demo: one RSA key made at start, published through
/// OIDC discovery + JWKS by <see cref="DemoUpstream"/>, and tokens minted for the demo users.
/// </summary>
internal sealed class DemoIdentityProvider : IDisposable
{
    public const string Audience = "demo-api";
    private const string KeyId = "demo-1";

    private readonly RSA _rsa = RSA.Create(2048);

    public string Issuer { get; private set; } = "";

    public void Bind(IPEndPoint endpoint) => Issuer = $"http://{endpoint}";

    public string DiscoveryDocument(IPEndPoint endpoint)
        => $"{{\"issuer\":\"{Issuer}\",\"jwks_uri\":\"http://{endpoint}/jwks.json\",\"id_token_signing_alg_values_supported\":[\"RS256\"]}}";

    public string JwksDocument()
    {
        var p = _rsa.ExportParameters(includePrivateParameters: false);
        return $"{{\"keys\":[{{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"{KeyId}\",\"n\":\"{Base64UrlEncoder.Encode(p.Modulus)}\",\"e\":\"{Base64UrlEncoder.Encode(p.Exponent)}\"}}]}}";
    }

    public string MintToken(string subject, string[] roles, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["roles"] = roles,
        };
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(8),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public void Dispose() => _rsa.Dispose();
}
