using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace FastProxy.Policy.Upstream;

/// <summary>
/// The proxy's own ES256 signing key for upstream assertions, and the JWKS document (public part
/// only) that upstreams fetch to verify them. Generate one at start or load a PKCS#8 / SEC1 PEM;
/// share one instance across policy reloads so upstreams keep verifying.
/// </summary>
public sealed class ProxyAssertionKey : IDisposable
{
    private readonly ECDsa _ecdsa;

    private ProxyAssertionKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        var x = Base64UrlEncoder.Encode(parameters.Q.X);
        var y = Base64UrlEncoder.Encode(parameters.Q.Y);

        // RFC 7638 §3.2: the thumbprint hashes the required members in lexicographic order.
        KeyId = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}")));
        JwksJson = "{\"keys\":[{\"kty\":\"EC\",\"use\":\"sig\",\"alg\":\"ES256\",\"crv\":\"P-256\",\"kid\":\"" + KeyId + "\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}]}";
        JwksBytes = Encoding.UTF8.GetBytes(JwksJson);
        Credentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = KeyId }, SecurityAlgorithms.EcdsaSha256);
    }

    public string KeyId { get; }

    /// <summary>The public JWKS for upstreams (no private material).</summary>
    public string JwksJson { get; }

    public ReadOnlyMemory<byte> JwksBytes { get; }

    internal SigningCredentials Credentials { get; }

    public static ProxyAssertionKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Loads a P-256 private key from PEM (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY").</summary>
    public static ProxyAssertionKey FromPem(string pem)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
            if (ecdsa.KeySize != 256)
            {
                throw new CryptographicException("the assertion key must be on P-256 (ES256)");
            }

            return new ProxyAssertionKey(ecdsa);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    public void Dispose() => _ecdsa.Dispose();
}
