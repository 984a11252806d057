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
/// A real OIDC provider over HTTP on loopback (discovery + JWKS) whose keys can be rotated and
/// retired while a test runs, and which can be taken down. It counts the JWKS fetches it served.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string Audience = "orders-api";

    private readonly Lock _gate = new();
    private readonly List<(string Kid, RSA Key)> _published = [];
    private WebApplication? _app;
    private (string Kid, RSA Key) _signing;
    private int _generation;
    private int _jwksFetches;
    private JwksFault? _jwksFault;

    public string Issuer { get; private set; } = "";

    public int Port { get; private set; }

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    /// <summary>How the JWKS endpoint misbehaves from now on; null: it serves the published keys again.</summary>
    public JwksFault? Fault
    {
        get => Volatile.Read(ref _jwksFault);
        set => Volatile.Write(ref _jwksFault, value);
    }

    public string SigningKid
    {
        get
        {
            lock (_gate)
            {
                return _signing.Kid;
            }
        }
    }

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var idp = new TestIdentityProvider();
        idp.Rotate();
        await idp.StartServerAsync(0);
        return idp;
    }

    /// <summary>Publishes a new key and signs with it from now on; the old key stays published until retired.</summary>
    public string Rotate()
    {
        lock (_gate)
        {
            var kid = "key-" + (++_generation);
            _signing = (kid, RSA.Create(2048));
            _published.Add(_signing);
            return kid;
        }
    }

    public void Retire(string kid)
    {
        lock (_gate)
        {
            _published.RemoveAll(k => string.Equals(k.Kid, kid, StringComparison.Ordinal));
        }
    }

    public string MintToken(string subject, string[] roles, TimeSpan? lifetime = null)
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
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(30)),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signing.Key) { KeyId = signing.Kid }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>Takes the IdP off the network (connections refused) without forgetting its keys.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        lock (_gate)
        {
            foreach (var (_, key) in _published)
            {
                key.Dispose();
            }
        }
    }

    private async Task StartServerAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () => Results.Text(
            $$"""{"issuer":"{{Issuer}}","jwks_uri":"{{Issuer}}/jwks","id_token_signing_alg_values_supported":["RS256"]}""", "application/json"));
        app.MapGet("/jwks", async (HttpContext context) =>
        {
            Interlocked.Increment(ref _jwksFetches);
            if (Volatile.Read(ref _jwksFault) is not { } fault)
            {
                return Results.Text(Jwks(), "application/json");
            }

            try
            {
                await Task.Delay(fault.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The proxy gave up waiting: nothing to answer.
                return Results.Empty;
            }

            return Results.Text(fault.Body ?? Jwks(), fault.ContentType, statusCode: fault.Status);
        });
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        Issuer = $"http://127.0.0.1:{Port}";
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
