using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FastProxy.Tls.Certificates;

/// <summary>
/// Loads a certificate chain file (leaf first, then intermediates) and its private key from PEM
/// files: PKCS#8 ("PRIVATE KEY"), traditional RSA ("RSA PRIVATE KEY") and EC ("EC PRIVATE KEY").
/// Encrypted keys are refused: the proxy has no place to keep a passphrase that would be safer
/// than the file permissions that protect an unencrypted key.
/// </summary>
/// <remarks>
/// The key is imported into an ephemeral (in-memory) RSA/ECDsa object and attached with
/// CopyWithPrivateKey. On Linux SslStream hands that key straight to OpenSSL, so no PKCS#12
/// export/re-import is needed (that round trip is a Windows/SChannel requirement, which is why
/// Kestrel does it only there); PemCertificateLoaderTests proves it with a real handshake.
///
/// Validity: a leaf that is expired or not yet valid is an error at load. Every client would
/// refuse the handshake, so serving it only turns a config mistake into an outage that looks like
/// a network problem; refusing it keeps the old certificate on reload and makes start-up fail
/// loudly. `fastproxy check` reports the same condition, and a certificate that expires soon as a
/// warning (see CertificateChecker).
/// </remarks>
public static class PemCertificateLoader
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";
    private const string CertificateRole = "certificate file";
    private const string KeyRole = "key file";

    /// <summary>
    /// Loads the chain and key, checks that the key belongs to the leaf and that the leaf is
    /// valid at <paramref name="time"/>'s current instant.
    /// </summary>
    public static CertificateChain LoadChain(string certificatePath, string keyPath, TimeProvider time)
    {
        var chain = LoadChainIgnoringValidity(certificatePath, keyPath);
        var error = DescribeValidityProblem(chain.Leaf, certificatePath, time.GetUtcNow());
        if (error is not null)
        {
            throw new CertificateLoadException(error);
        }

        return chain;
    }

    /// <summary>Loads the chain and key and checks that they match, whatever the dates say.</summary>
    public static CertificateChain LoadChainIgnoringValidity(string certificatePath, string keyPath)
    {
        var certificates = LoadCertificates(certificatePath, CertificateRole);
        var leaf = certificates[0];
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < certificates.Count; i++)
        {
            intermediates.Add(certificates[i]);
        }

        var leafWithKey = AttachPrivateKey(leaf, certificatePath, keyPath);
        return new CertificateChain(leafWithKey, intermediates);
    }

    /// <summary>Loads every certificate of a PEM bundle (a CA file, or a chain file without a key).</summary>
    public static X509Certificate2Collection LoadCertificates(string path, string role = "CA file")
    {
        var text = PemFile.ReadText(path, role);
        var certificates = new X509Certificate2Collection();
        foreach (var block in PemFile.ReadBlocks(text, path, role))
        {
            if (!string.Equals(block.Label, "CERTIFICATE", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(block.Der));
            }
            catch (CryptographicException ex)
            {
                throw new CertificateLoadException(
                    $"{role} '{path}': certificate #{certificates.Count + 1} cannot be parsed ({ex.Message})", ex);
            }
        }

        if (certificates.Count == 0)
        {
            throw new CertificateLoadException($"{role} '{path}': no certificate found (expected a '-----BEGIN CERTIFICATE-----' block)");
        }

        return certificates;
    }

    /// <summary>Null when <paramref name="certificate"/> is valid at <paramref name="now"/>, else why not.</summary>
    public static string? DescribeValidityProblem(X509Certificate2 certificate, string path, DateTimeOffset now)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        if (now > notAfter)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{CertificateRole} '{path}': certificate '{certificate.Subject}' expired at {notAfter:yyyy-MM-dd HH:mm:ss}Z");
        }

        if (now < notBefore)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{CertificateRole} '{path}': certificate '{certificate.Subject}' is not valid before {notBefore:yyyy-MM-dd HH:mm:ss}Z");
        }

        return null;
    }

    private static X509Certificate2 AttachPrivateKey(X509Certificate2 leaf, string certificatePath, string keyPath)
    {
        var text = PemFile.ReadText(keyPath, KeyRole);
        var key = FindPrivateKey(text, keyPath);
        var algorithm = leaf.GetKeyAlgorithm();
        return algorithm switch
        {
            RsaOid => AttachRsa(leaf, key, certificatePath, keyPath),
            EcOid => AttachEc(leaf, key, certificatePath, keyPath),
            _ => throw new CertificateLoadException(
                $"{CertificateRole} '{certificatePath}': public key algorithm {algorithm} is not supported (RSA and ECDSA are)"),
        };
    }

    private static PemBlock FindPrivateKey(string text, string keyPath)
    {
        // Traditional OpenSSL encryption puts "Proc-Type: 4,ENCRYPTED" headers inside the block,
        // which RFC 7468 parsing does not accept; detect it so the message says why.
        if (text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new CertificateLoadException($"{KeyRole} '{keyPath}': the private key is encrypted; provide it unencrypted (protect it with file permissions)");
        }

        PemBlock? found = null;
        foreach (var block in PemFile.ReadBlocks(text, keyPath, KeyRole))
        {
            switch (block.Label)
            {
                case "ENCRYPTED PRIVATE KEY":
                    throw new CertificateLoadException($"{KeyRole} '{keyPath}': the private key is encrypted (PKCS#8 'ENCRYPTED PRIVATE KEY'); provide it unencrypted (protect it with file permissions)");
                case "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY":
                    if (found is not null)
                    {
                        throw new CertificateLoadException($"{KeyRole} '{keyPath}': more than one private key found; keep exactly one");
                    }

                    found = block;
                    break;
                default:
                    // "EC PARAMETERS" (openssl ecparam -genkey) and certificates may share the file.
                    break;
            }
        }

        return found ?? throw new CertificateLoadException(
            $"{KeyRole} '{keyPath}': no private key found (expected 'PRIVATE KEY', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY')");
    }

    private static X509Certificate2 AttachRsa(X509Certificate2 leaf, PemBlock key, string certificatePath, string keyPath)
    {
        if (string.Equals(key.Label, "EC PRIVATE KEY", StringComparison.Ordinal))
        {
            throw Mismatch(leaf, certificatePath, keyPath, "the key is an EC key but the certificate has an RSA public key");
        }

        var rsa = RSA.Create();
        try
        {
            if (string.Equals(key.Label, "RSA PRIVATE KEY", StringComparison.Ordinal))
            {
                rsa.ImportRSAPrivateKey(key.Der, out _);
            }
            else
            {
                rsa.ImportPkcs8PrivateKey(key.Der, out _);
            }
        }
        catch (CryptographicException ex)
        {
            rsa.Dispose();
            throw new CertificateLoadException(
                $"{KeyRole} '{keyPath}': the '{key.Label}' block is not an RSA private key, but the certificate in '{certificatePath}' has an RSA public key ({ex.Message})", ex);
        }

        using (rsa)
        {
            using var publicKey = leaf.GetRSAPublicKey()!;
            var expected = publicKey.ExportParameters(includePrivateParameters: false);
            var actual = rsa.ExportParameters(includePrivateParameters: false);
            if (!expected.Modulus.AsSpan().SequenceEqual(actual.Modulus) || !expected.Exponent.AsSpan().SequenceEqual(actual.Exponent))
            {
                throw Mismatch(leaf, certificatePath, keyPath, "the RSA key does not belong to the certificate");
            }

            return leaf.CopyWithPrivateKey(rsa);
        }
    }

    private static X509Certificate2 AttachEc(X509Certificate2 leaf, PemBlock key, string certificatePath, string keyPath)
    {
        if (string.Equals(key.Label, "RSA PRIVATE KEY", StringComparison.Ordinal))
        {
            throw Mismatch(leaf, certificatePath, keyPath, "the key is an RSA key but the certificate has an EC public key");
        }

        var ecdsa = ECDsa.Create();
        try
        {
            if (string.Equals(key.Label, "EC PRIVATE KEY", StringComparison.Ordinal))
            {
                ecdsa.ImportECPrivateKey(key.Der, out _);
            }
            else
            {
                ecdsa.ImportPkcs8PrivateKey(key.Der, out _);
            }
        }
        catch (CryptographicException ex)
        {
            ecdsa.Dispose();
            throw new CertificateLoadException(
                $"{KeyRole} '{keyPath}': the '{key.Label}' block is not an EC private key, but the certificate in '{certificatePath}' has an EC public key ({ex.Message})", ex);
        }

        using (ecdsa)
        {
            using var publicKey = leaf.GetECDsaPublicKey()!;
            var expected = publicKey.ExportParameters(includePrivateParameters: false);
            var actual = ecdsa.ExportParameters(includePrivateParameters: false);
            if (!expected.Q.X.AsSpan().SequenceEqual(actual.Q.X) || !expected.Q.Y.AsSpan().SequenceEqual(actual.Q.Y))
            {
                throw Mismatch(leaf, certificatePath, keyPath, "the EC key does not belong to the certificate");
            }

            return leaf.CopyWithPrivateKey(ecdsa);
        }
    }

    private static CertificateLoadException Mismatch(X509Certificate2 leaf, string certificatePath, string keyPath, string what) =>
        new($"{KeyRole} '{keyPath}' does not match {CertificateRole} '{certificatePath}': {what} (certificate '{leaf.Subject}')")
        {
            IsKeyMismatch = true,
        };
}
