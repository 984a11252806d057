using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FastProxy.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PKI written as PEM files into a temp directory, generated per test class with CertificateRequest
/// (ECDSA P-256): a root, an intermediate, the server's leaf (127.0.0.1 and localhost) and one for <c>a.test</c>, a
/// client CA with a client leaf (URI SAN), and another CA's client leaf. Nothing here is committed.
/// </summary>
public sealed class TestPkiFiles : IDisposable
{
    public const string ClientSpiffeId = "spiffe://test.local/ns/default/sa/client";
    public const string OtherSpiffeId = "spiffe://test.local/ns/default/sa/intruder";

    private static long s_serial = DateTime.UtcNow.Ticks;

    private TestPkiFiles(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string RootCa => Path.Combine(Directory, "ca.pem");

    /// <summary>Server leaf then intermediate.</summary>
    public string ServerChain => Path.Combine(Directory, "server.pem");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string SniChain => Path.Combine(Directory, "a-test.pem");

    public string SniKey => Path.Combine(Directory, "a-test.key");

    public string ClientCa => Path.Combine(Directory, "client-ca.pem");

    public string ClientCert => Path.Combine(Directory, "client.pem");

    public string ClientKey => Path.Combine(Directory, "client.key");

    /// <summary>Same CA, another URI SAN (<see cref="OtherSpiffeId"/>).</summary>
    public string OtherClientCert => Path.Combine(Directory, "other-client.pem");

    public string OtherClientKey => Path.Combine(Directory, "other-client.key");

    /// <summary>Signed by a CA the proxy does not trust.</summary>
    public string ForeignClientCert => Path.Combine(Directory, "foreign-client.pem");

    public string ForeignClientKey => Path.Combine(Directory, "foreign-client.key");

    public X509Certificate2 ClientCertificate { get; private set; } = null!;

    public static TestPkiFiles Create()
    {
        var files = new TestPkiFiles(Path.Combine(Path.GetTempPath(), "fastproxy-pki-" + Guid.NewGuid().ToString("N")));
        System.IO.Directory.CreateDirectory(files.Directory);

        using var root = CreateCa("FastProxy Test Root", issuer: null);
        using var intermediate = CreateCa("FastProxy Test Intermediate", root);
        using var server = CreateLeaf(intermediate, "fastproxy server", serverAuth: true, dns: ["localhost"], ip: IPAddress.Loopback, uri: null);
        using var sni = CreateLeaf(intermediate, "a.test", serverAuth: true, dns: ["a.test"], ip: null, uri: null);
        using var clientRoot = CreateCa("FastProxy Test Client CA", issuer: null);
        var client = CreateLeaf(clientRoot, "client", serverAuth: false, dns: [], ip: null, uri: ClientSpiffeId);
        using var other = CreateLeaf(clientRoot, "intruder", serverAuth: false, dns: [], ip: null, uri: OtherSpiffeId);
        using var foreignRoot = CreateCa("Someone Else's CA", issuer: null);
        using var foreign = CreateLeaf(foreignRoot, "client", serverAuth: false, dns: [], ip: null, uri: ClientSpiffeId);

        File.WriteAllText(files.RootCa, root.ExportCertificatePem() + "\n");
        File.WriteAllText(files.ServerChain, server.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(files.ServerKey, KeyPem(server));
        File.WriteAllText(files.SniChain, sni.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(files.SniKey, KeyPem(sni));
        File.WriteAllText(files.ClientCa, clientRoot.ExportCertificatePem() + "\n");
        File.WriteAllText(files.ClientCert, client.ExportCertificatePem() + "\n");
        File.WriteAllText(files.ClientKey, KeyPem(client));
        File.WriteAllText(files.OtherClientCert, other.ExportCertificatePem() + "\n");
        File.WriteAllText(files.OtherClientKey, KeyPem(other));
        File.WriteAllText(files.ForeignClientCert, foreign.ExportCertificatePem() + "\n");
        File.WriteAllText(files.ForeignClientKey, KeyPem(foreign));
        files.ClientCertificate = client;
        return files;
    }

    /// <summary>Trusts only <see cref="RootCa"/>: what a client of the proxy's TLS listener would configure.</summary>
    public X509ChainPolicy CustomTrustPolicy()
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.ImportFromPemFile(RootCa);
        return policy;
    }

    public void Dispose()
    {
        ClientCertificate?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private static X509Certificate2 CreateCa(string name, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=FastProxy Tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        if (issuer is null)
        {
            return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var issued = Issue(request, issuer, now.AddDays(-1), now.AddMonths(6));
        return issued.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string name, bool serverAuth, string[] dns, IPAddress? ip, string? uri)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=FastProxy Tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name2 in dns)
        {
            san.AddDnsName(name2);
        }

        if (ip is not null)
        {
            san.AddIpAddress(ip);
        }

        if (uri is not null)
        {
            san.AddUri(new Uri(uri));
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = Issue(request, issuer, now.AddDays(-1), now.AddDays(30));
        return issued.CopyWithPrivateKey(key);
    }

    private static X509Certificate2 Issue(CertificateRequest request, X509Certificate2 issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        var serial = new byte[9];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(serial.AsSpan(1), Interlocked.Increment(ref s_serial));
        serial[0] = 0x01;
        return request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), notBefore, notAfter, serial);
    }

    private static string KeyPem(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey()!;
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
