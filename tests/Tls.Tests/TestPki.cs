using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FastProxy.Tls.Tests;

/// <summary>
/// Generates certificates in-process with CertificateRequest: roots, intermediates and leaves.
/// Private keys live only in memory and in per-test temp files; none is committed.
/// </summary>
internal static class TestPki
{
    private static long s_serial = DateTime.UnixEpoch.Ticks;

    public static X509Certificate2 CreateRoot(string commonName, KeyKind kind = KeyKind.EcdsaP256)
    {
        using var key = CreateKey(kind);
        var request = CreateRequest($"CN={commonName}, O=FastProxy Tests", key);
        AddCaExtensions(request);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-400), now.AddYears(10));
    }

    public static X509Certificate2 CreateIntermediate(X509Certificate2 issuer, string commonName, KeyKind kind = KeyKind.EcdsaP256)
    {
        using var key = CreateKey(kind);
        var request = CreateRequest($"CN={commonName}, O=FastProxy Tests", key);
        AddCaExtensions(request);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = Issue(request, issuer, now.AddDays(-365), now.AddYears(5));
        return Attach(certificate, key);
    }

    public static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string commonName, LeafSpec spec)
    {
        using var key = CreateKey(spec.Key);
        var request = CreateRequest($"CN={commonName}, O=FastProxy Tests", key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var usage = X509KeyUsageFlags.DigitalSignature | (spec.Key == KeyKind.Rsa2048 ? X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.None);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        var purposes = new OidCollection();
        if (spec.ServerAuth)
        {
            purposes.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        }

        if (spec.ClientAuth)
        {
            purposes.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(purposes, false));
        if (!spec.WithoutSan)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in spec.DnsNames)
            {
                san.AddDnsName(dns);
            }

            foreach (var uri in spec.Uris)
            {
                san.AddUri(new Uri(uri));
            }

            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = Issue(request, issuer, now.Add(spec.NotBefore), now.Add(spec.NotAfter));
        return Attach(certificate, key);
    }

    /// <summary>The PEM text of the certificates, in order.</summary>
    public static string ChainPem(params X509Certificate2[] certificates)
    {
        var pem = new System.Text.StringBuilder();
        foreach (var certificate in certificates)
        {
            pem.Append(certificate.ExportCertificatePem()).Append('\n');
        }

        return pem.ToString();
    }

    /// <summary>The PEM text of the certificate's private key in <paramref name="format"/>.</summary>
    public static string KeyPem(X509Certificate2 certificate, KeyFormat format = KeyFormat.Pkcs8)
    {
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()!;
        using (key)
        {
            return format switch
            {
                KeyFormat.Pkcs8 => key.ExportPkcs8PrivateKeyPem(),
                KeyFormat.Traditional => key is RSA rsa ? rsa.ExportRSAPrivateKeyPem() : ((ECDsa)key).ExportECPrivateKeyPem(),
                KeyFormat.EncryptedPkcs8 => key.ExportEncryptedPkcs8PrivateKeyPem(
                    "secret", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)),
                _ => throw new ArgumentOutOfRangeException(nameof(format)),
            };
        }
    }

    // The signature generator comes from the issuer's key, so an ECDSA CA can sign an RSA leaf.
    private static X509Certificate2 Issue(CertificateRequest request, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var ecdsa = issuer.GetECDsaPrivateKey();
        using var rsa = ecdsa is null ? issuer.GetRSAPrivateKey() : null;
        var generator = ecdsa is not null
            ? X509SignatureGenerator.CreateForECDsa(ecdsa)
            : X509SignatureGenerator.CreateForRSA(rsa!, RSASignaturePadding.Pkcs1);
        return request.Create(issuer.SubjectName, generator, notBefore, notAfter, NextSerial());
    }

    private static AsymmetricAlgorithm CreateKey(KeyKind kind) =>
        kind == KeyKind.Rsa2048 ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static CertificateRequest CreateRequest(string subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    private static void AddCaExtensions(CertificateRequest request)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
    }

    private static X509Certificate2 Attach(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    private static byte[] NextSerial()
    {
        // Positive DER INTEGER: big-endian with a clear top bit.
        var serial = new byte[9];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(serial.AsSpan(1), Interlocked.Increment(ref s_serial));
        serial[0] = 0x01;
        return serial;
    }
}
