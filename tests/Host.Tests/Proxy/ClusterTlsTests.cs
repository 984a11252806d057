using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Host.Config;
using FastProxy.Host.Proxy;
using FastProxy.Tls.Certificates;
using FastProxy.Tls.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastProxy.Host.Tests.Proxy;

public sealed class ClusterTlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("fastproxy-cluster-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Build_EmptyBlock_SniIsTheEndpointHost()
    {
        var factory = ClusterTls.Build(new ClusterTlsConfig(), _directory, NullLogger.Instance, TimeProvider.System);

        Assert.Equal("orders.internal", factory.Create("orders.internal", new UpstreamCertificateCheck()).TargetHost);
    }

    [Fact]
    public void Build_ServerNameCaAndMinVersion_AppliedToTheOptions()
    {
        WriteCertificate("ca.pem", "key-unused.pem", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var tls = new ClusterTlsConfig { ServerName = "localhost", Ca = "ca.pem", MinVersion = TlsVersions.Tls13 };

        var options = ClusterTls.Build(tls, _directory, NullLogger.Instance, TimeProvider.System).Create("10.0.1.5", new UpstreamCertificateCheck());

        Assert.Equal("localhost", options.TargetHost);
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, options.CertificateChainPolicy!.TrustMode);
        Assert.Single(options.CertificateChainPolicy.CustomTrustStore);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, options.EnabledSslProtocols);
    }

    [Fact]
    public void Build_H2Cluster_OffersAndRequiresH2Only()
    {
        var factory = ClusterTls.Build(new ClusterTlsConfig(), _directory, NullLogger.Instance, TimeProvider.System, UpstreamProtocols.H2);

        var options = factory.Create("10.0.1.5", new UpstreamCertificateCheck());

        Assert.Equal([System.Net.Security.SslApplicationProtocol.Http2], options.ApplicationProtocols!);
        Assert.Equal(System.Net.Security.SslApplicationProtocol.Http2, factory.RequiredApplicationProtocol);
    }

    [Fact]
    public void Build_Http1Cluster_OffersHttp11AndRequiresNothing()
    {
        var factory = ClusterTls.Build(new ClusterTlsConfig(), _directory, NullLogger.Instance, TimeProvider.System, UpstreamProtocols.Http1);

        var options = factory.Create("10.0.1.5", new UpstreamCertificateCheck());

        Assert.Equal([System.Net.Security.SslApplicationProtocol.Http11], options.ApplicationProtocols!);
        Assert.Null(factory.RequiredApplicationProtocol);
    }

    [Fact]
    public void Build_ClientCertificate_Presented()
    {
        WriteCertificate("proxy.pem", "proxy.key", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var tls = new ClusterTlsConfig { ClientCertificate = "proxy.pem", ClientKey = "proxy.key" };

        var options = ClusterTls.Build(tls, _directory, NullLogger.Instance, TimeProvider.System).Create("orders.internal", new UpstreamCertificateCheck());

        Assert.Equal("CN=fastproxy-client", options.ClientCertificateContext?.TargetCertificate.Subject);
    }

    [Fact]
    public void Build_MissingCaFile_RefusedNamingTheFile()
    {
        var ex = Assert.Throws<CertificateLoadException>(() => ClusterTls.Build(new ClusterTlsConfig { Ca = "missing.pem" }, _directory, NullLogger.Instance, TimeProvider.System));

        Assert.Contains(Path.Combine(_directory, "missing.pem"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExpiredClientCertificate_Refused()
    {
        WriteCertificate("proxy.pem", "proxy.key", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));
        var tls = new ClusterTlsConfig { ClientCertificate = "proxy.pem", ClientKey = "proxy.key" };

        var ex = Assert.Throws<CertificateLoadException>(() => ClusterTls.Build(tls, _directory, NullLogger.Instance, TimeProvider.System));

        Assert.Contains("expired", ex.Message, StringComparison.Ordinal);
    }

    private void WriteCertificate(string certificateFile, string keyFile, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fastproxy-client", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(notBefore, notAfter);
        File.WriteAllText(Path.Combine(_directory, certificateFile), certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(_directory, keyFile), key.ExportPkcs8PrivateKeyPem());
    }
}
