using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// An OIDC provider on loopback (discovery + JWKS) that can hold one JWKS fetch open: after
/// <see cref="ArmNewKey"/> it publishes a second key and parks the next JWKS request until
/// <see cref="Release"/>, so a proxy waiting for an unknown kid stays parked for as long as a test
/// needs (a reload in between, say). Every other fetch is answered at once.
/// </summary>
public sealed class ParkingIdentityProvider : IAsyncDisposable
{
    public const string Audience = "orders-api";

    private readonly Lock _gate = new();
    private readonly List<(string Kid, RSA Key)> _published = [];
    private readonly TaskCompletionSource _parked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private (string Kid, RSA Key) _signing;
    private bool _armed;

    public string Issuer { get; private set; } = "";

    /// <summary>Completes when a JWKS fetch is being held.</summary>
    public Task Parked => _parked.Task;

    public static async Task<ParkingIdentityProvider> StartAsync()
    {
        var idp = new ParkingIdentityProvider();
        idp._signing = ("key-1", RSA.Create(2048));
        idp._published.Add(idp._signing);
        await idp.StartServerAsync();
        return idp;
    }

    /// <summary>Signs with a new key from now on and holds the next JWKS fetch (which will publish it) until <see cref="Release"/>.</summary>
    public void ArmNewKey()
    {
        lock (_gate)
        {
            _signing = ("key-2", RSA.Create(2048));
            _published.Add(_signing);
            _armed = true;
        }
    }

    public void Release() => _released.TrySetResult();

    public string MintToken(string subject, string[] roles)
    {
        (string Kid, RSA Key) signing;
        lock (_gate)
        {
            signing = _signing;
        }

        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            Claims = new Dictionary<string, object>(StringComparer.Ordinal) { ["roles"] = roles },
            IssuedAt = now,
            NotBefore = now,
            Expires = now + TimeSpan.FromMinutes(30),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signing.Key) { KeyId = signing.Kid }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        foreach (var (_, key) in _published)
        {
            key.Dispose();
        }
    }

    private async Task StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () => Results.Text(
            $$"""{"issuer":"{{Issuer}}","jwks_uri":"{{Issuer}}/jwks","id_token_signing_alg_values_supported":["RS256"]}""", "application/json"));
        app.MapGet("/jwks", async () =>
        {
            bool hold;
            lock (_gate)
            {
                hold = _armed;
                _armed = false;
            }

            if (hold)
            {
                _parked.TrySetResult();
                await _released.Task;
            }

            return Results.Text(Jwks(), "application/json");
        });
        await app.StartAsync();
        Issuer = $"http://127.0.0.1:{new Uri(app.Urls.First()).Port}";
        _app = app;
    }

    private string Jwks()
    {
        lock (_gate)
        {
            var keys = _published.Select(k =>
            {
                var p = k.Key.ExportParameters(false);
                return new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = k.Kid,
                    ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                };
            }).ToList();
            return JsonSerializer.Serialize(new Dictionary<string, object>(StringComparer.Ordinal) { ["keys"] = keys });
        }
    }
}
