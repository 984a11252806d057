using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Certificates;
using FastProxy.Tls.Server;

namespace FastProxy.Tls.Tests.Server;

public sealed class ServerCertificateSelectorTests(PkiFixture pki) : IClassFixture<PkiFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("api.example.com", "api")]
    [InlineData("API.Example.COM", "api")]
    [InlineData("api.example.com.", "api")]
    [InlineData("a.wild.example.com", "wild")]
    [InlineData("B.WILD.example.com.", "wild")]
    [InlineData("a.b.wild.example.com", "default")]
    [InlineData("wild.example.com", "default")]
    [InlineData(".wild.example.com", "default")]
    [InlineData("other.example.com", "default")]
    [InlineData("", "default")]
    [InlineData(null, "default")]
    public void Select_ServerName_ExactThenOneLabelWildcardElseDefault(string? serverName, string expected)
    {
        var selector = Load();

        var selected = selector.Select(serverName);

        Assert.Equal(expected, Label(selected));
    }

    [Fact]
    public void Select_ExactNameAlsoCoveredByWildcard_ExactWins()
    {
        var selector = ServerCertificateSelector.Load(
            Files("default", []),
            [Files("wild", ["*.example.com"]), Files("api", ["api.example.com"])],
            clientTrust: null,
            TimeProvider.System);

        Assert.Equal("api", Label(selector.Select("api.example.com")));
        Assert.Equal("wild", Label(selector.Select("www.example.com")));
    }

    [Fact]
    public void Load_NoNamesConfigured_UsesTheCertificatesDnsSans()
    {
        var selector = ServerCertificateSelector.Load(
            Files("default", []),
            [Files("san", [], dnsSans: ["san.example.com", "*.apps.example.com"])],
            clientTrust: null,
            TimeProvider.System);

        Assert.Equal("san", Label(selector.Select("san.example.com")));
        Assert.Equal("san", Label(selector.Select("x.apps.example.com")));
        Assert.Equal(["san.example.com", "*.apps.example.com"], selector.Certificates[1].ServerNames);
    }

    [Fact]
    public void Load_EveryCertificate_ContextBuiltOnceWithIntermediates()
    {
        var selector = Load();

        foreach (var certificate in selector.Certificates)
        {
            Assert.Same(certificate.Context, selector.Select(certificate.ServerNames.Count == 0 ? null : certificate.ServerNames[0].Replace("*", "x", StringComparison.Ordinal)).Context);
            Assert.Equal(pki.Intermediate.Thumbprint, Assert.Single(certificate.Context.IntermediateCertificates).Thumbprint);
        }
    }

    [Fact]
    public void Load_SameNameOnTwoSniCertificates_Refused()
    {
        var second = Files("second", ["api.example.com"]);

        var ex = Assert.Throws<CertificateLoadException>(() => ServerCertificateSelector.Load(
            Files("default", []), [Files("first", ["api.example.com"]), second], clientTrust: null, TimeProvider.System));

        Assert.Equal($"certificate file '{second.CertificatePath}': server name 'api.example.com' is already served by '{_dir.PathOf("first.pem")}'", ex.Message);
    }

    [Theory]
    [InlineData("*.com")]
    [InlineData("a*.example.com")]
    [InlineData("*.*.example.com")]
    [InlineData("*")]
    public void Load_MalformedWildcard_Refused(string name)
    {
        var files = Files("bad", [name]);

        var ex = Assert.Throws<CertificateLoadException>(() => ServerCertificateSelector.Load(Files("default", []), [files], clientTrust: null, TimeProvider.System));

        Assert.Equal($"certificate file '{files.CertificatePath}': server name '{name}' is not a host name or a '*.' wildcard over at least two labels", ex.Message);
    }

    [Fact]
    public void Load_BrokenSniCertificate_WholeLoadFailsNamingTheFile()
    {
        var broken = new ServerCertificateFiles(_dir.PathOf("missing.pem"), _dir.PathOf("missing.key"), ["x.example.com"]);

        var ex = Assert.Throws<CertificateLoadException>(() => ServerCertificateSelector.Load(Files("default", []), [broken], clientTrust: null, TimeProvider.System));

        Assert.Equal($"certificate file '{broken.CertificatePath}': file not found", ex.Message);
    }

    private ServerCertificateSelector Load() => ServerCertificateSelector.Load(
        Files("default", []),
        [Files("api", ["api.example.com"]), Files("wild", ["*.wild.example.com"])],
        clientTrust: null,
        TimeProvider.System);

    // The organisation of each generated certificate names it, so a test can tell which was picked.
    private static string Label(ServerCertificate certificate) =>
        certificate.Chain.Leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false).Split(' ')[0];

    private ServerCertificateFiles Files(string label, IReadOnlyList<string> names, IReadOnlyList<string>? dnsSans = null)
    {
        using var leaf = TestPki.CreateLeaf(pki.Intermediate, $"{label} certificate", new LeafSpec { DnsNames = dnsSans ?? [$"{label}.example.com"] });
        var certPath = _dir.Write($"{label}.pem", TestPki.ChainPem(leaf, pki.Intermediate));
        var keyPath = _dir.Write($"{label}.key", TestPki.KeyPem(leaf));
        return new ServerCertificateFiles(certPath, keyPath, names);
    }
}
