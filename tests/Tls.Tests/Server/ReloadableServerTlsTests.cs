using System.Net.Security;
using FastProxy.Tls.Server;

namespace FastProxy.Tls.Tests.Server;

public sealed class ReloadableServerTlsTests(PkiFixture pki) : IClassFixture<PkiFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ListLogger _logger = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task TryReload_ChangedFiles_NextHandshakeServesTheNewCertificate()
    {
        var files = WriteCertificate("first");
        var tls = new ReloadableServerTls(Build(files));
        var before = tls.Current;

        WriteCertificate("second");
        var reloaded = tls.TryReload(() => Build(files), out var error);

        Assert.True(reloaded);
        Assert.Null(error);
        Assert.NotSame(before, tls.Current);
        await using var result = await TlsLoopback.HandshakeAsync(tls.Current, TlsLoopback.ClientTrusting(pki.Root, "api.example.com"));
        Assert.True(result.Succeeded);
        Assert.Equal("CN=second, O=FastProxy Tests", result.Client.RemoteCertificate!.Subject);
    }

    [Fact]
    public void TryReload_KeyNoLongerMatches_KeepsTheOldAndSaysWhy()
    {
        var files = WriteCertificate("first");
        var tls = new ReloadableServerTls(Build(files));
        var before = tls.Current;
        using var other = TestPki.CreateLeaf(pki.Intermediate, "other", new LeafSpec());
        File.WriteAllText(files.KeyPath, TestPki.KeyPem(other));

        var reloaded = tls.TryReload(() => Build(files), out var error);

        Assert.False(reloaded);
        Assert.Same(before, tls.Current);
        Assert.Equal($"key file '{files.KeyPath}' does not match certificate file '{files.CertificatePath}': the EC key does not belong to the certificate (certificate 'CN=first, O=FastProxy Tests')", error);
    }

    [Fact]
    public void TryReload_CertificateFileTruncated_KeepsTheOld()
    {
        var files = WriteCertificate("first");
        var tls = new ReloadableServerTls(Build(files));
        var before = tls.Current;
        File.WriteAllText(files.CertificatePath, "-----BEGIN CERTIFICATE-----\nMIIB");

        var reloaded = tls.TryReload(() => Build(files), out var error);

        Assert.False(reloaded);
        Assert.Same(before, tls.Current);
        Assert.Equal($"certificate file '{files.CertificatePath}': no certificate found (expected a '-----BEGIN CERTIFICATE-----' block)", error);
    }

    [Fact]
    public async Task TryReload_WhileConnectionsAreOpen_OpenConnectionKeepsWorking()
    {
        var files = WriteCertificate("first");
        var tls = new ReloadableServerTls(Build(files));
        await using var open = await TlsLoopback.HandshakeAsync(tls.Current, TlsLoopback.ClientTrusting(pki.Root, "api.example.com"));

        WriteCertificate("second");
        Assert.True(tls.TryReload(() => Build(files), out _));

        var buffer = new byte[1];
        await open.Client.WriteAsync(new byte[] { 7 });
        await open.Server.ReadExactlyAsync(buffer);
        Assert.Equal(7, buffer[0]);
    }

    private ServerTlsOptionsFactory Build(ServerCertificateFiles files) =>
        ServerTlsOptionsFactory.Create(files, [], new ServerTlsSettings { ApplicationProtocols = [SslApplicationProtocol.Http11] }, _logger, TimeProvider.System);

    private ServerCertificateFiles WriteCertificate(string commonName)
    {
        using var leaf = TestPki.CreateLeaf(pki.Intermediate, commonName, new LeafSpec { DnsNames = ["api.example.com"] });
        var certPath = _dir.Write("server.pem", TestPki.ChainPem(leaf, pki.Intermediate));
        var keyPath = _dir.Write("server.key", TestPki.KeyPem(leaf));
        return new ServerCertificateFiles(certPath, keyPath);
    }
}
