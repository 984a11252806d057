using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Checking;
using Microsoft.Extensions.Time.Testing;

namespace FastProxy.Tls.Tests.Checking;

public sealed class CertificateCheckerTests(PkiFixture pki) : IClassFixture<PkiFixture>, IDisposable
{
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Check_GoodChainToGivenCa_NoFindings()
    {
        using var leaf = Leaf(new LeafSpec { DnsNames = ["api.example.com"] });
        var (cert, key) = Write(TestPki.ChainPem(leaf, pki.Intermediate), TestPki.KeyPem(leaf));

        var findings = CertificateChecker.Check(cert, key, Ca(pki.Root), Month, TimeProvider.System);

        Assert.Empty(findings);
    }

    [Fact]
    public void CheckAuthorities_ValidBundle_NoFindings()
    {
        var ca = _dir.Write("bundle.pem", TestPki.ChainPem(pki.Root, pki.OtherRoot));

        Assert.Empty(CertificateChecker.CheckAuthorities(ca, Month, TimeProvider.System));
    }

    [Fact]
    public void CheckAuthorities_RootPastItsDate_ExpiredErrorNamingTheCaFile()
    {
        var ca = _dir.Write("bundle.pem", TestPki.ChainPem(pki.Root));
        var later = new FakeTimeProvider(new DateTimeOffset(pki.Root.NotAfter.ToUniversalTime()).AddDays(1));

        var finding = Assert.Single(CertificateChecker.CheckAuthorities(ca, Month, later));

        Assert.Equal(CertificateFindingKind.Expired, finding.Kind);
        Assert.Equal(CertificateFindingSeverity.Error, finding.Severity);
        Assert.StartsWith($"CA file '{ca}': certificate 'CN=FastProxy Test Root, O=FastProxy Tests' expired at ", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckAuthorities_RootExpiringSoon_Warning()
    {
        var ca = _dir.Write("bundle.pem", TestPki.ChainPem(pki.Root));
        var later = new FakeTimeProvider(new DateTimeOffset(pki.Root.NotAfter.ToUniversalTime()).AddDays(-3));

        var finding = Assert.Single(CertificateChecker.CheckAuthorities(ca, Month, later));

        Assert.Equal(CertificateFindingKind.ExpiresSoon, finding.Kind);
        Assert.Equal(CertificateFindingSeverity.Warning, finding.Severity);
    }

    [Fact]
    public void CheckAuthorities_MissingFile_Unreadable()
    {
        var finding = Assert.Single(CertificateChecker.CheckAuthorities(_dir.PathOf("missing.pem"), Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.Unreadable, finding.Kind);
    }

    [Fact]
    public void Check_ExpiredLeaf_ExpiredError()
    {
        using var leaf = Leaf(new LeafSpec { DnsNames = ["api.example.com"], NotBefore = TimeSpan.FromDays(-30), NotAfter = TimeSpan.FromDays(-2) });
        var (cert, key) = Write(TestPki.ChainPem(leaf, pki.Intermediate), TestPki.KeyPem(leaf));

        var finding = Assert.Single(CertificateChecker.Check(cert, key, Ca(pki.Root), Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.Expired, finding.Kind);
        Assert.Equal(CertificateFindingSeverity.Error, finding.Severity);
        Assert.StartsWith($"certificate file '{cert}': certificate 'CN=leaf, O=FastProxy Tests' expired at ", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NotYetValidLeaf_NotYetValidError()
    {
        using var leaf = Leaf(new LeafSpec { DnsNames = ["api.example.com"], NotBefore = TimeSpan.FromDays(3), NotAfter = TimeSpan.FromDays(90) });
        var (cert, key) = Write(TestPki.ChainPem(leaf, pki.Intermediate), TestPki.KeyPem(leaf));

        var finding = Assert.Single(CertificateChecker.Check(cert, key, Ca(pki.Root), Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.NotYetValid, finding.Kind);
    }

    [Fact]
    public void Check_ExpiresWithinWindow_WarningWithDaysLeft()
    {
        using var leaf = Leaf(new LeafSpec { DnsNames = ["api.example.com"], NotAfter = TimeSpan.FromDays(90) });
        var (cert, key) = Write(TestPki.ChainPem(leaf, pki.Intermediate), TestPki.KeyPem(leaf));
        var time = new FakeTimeProvider(new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).AddDays(-10).AddHours(-1));

        var finding = Assert.Single(CertificateChecker.Check(cert, key, Ca(pki.Root), Month, time));

        Assert.Equal(CertificateFindingKind.ExpiresSoon, finding.Kind);
        Assert.Equal(CertificateFindingSeverity.Warning, finding.Severity);
        Assert.StartsWith($"certificate file '{cert}': certificate 'CN=leaf, O=FastProxy Tests' expires in 10 days, at ", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_KeyOfAnotherCertificate_KeyMismatch()
    {
        using var leaf = Leaf(new LeafSpec { DnsNames = ["api.example.com"] });
        using var other = Leaf(new LeafSpec());
        var (cert, key) = Write(TestPki.ChainPem(leaf, pki.Intermediate), TestPki.KeyPem(other));

        var finding = Assert.Single(CertificateChecker.Check(cert, key, Ca(pki.Root), Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.KeyMismatch, finding.Kind);
        Assert.Equal($"key file '{key}' does not match certificate file '{cert}': the EC key does not belong to the certificate (certificate 'CN=leaf, O=FastProxy Tests')", finding.Message);
    }

    [Fact]
    public void Check_LeafFromAnotherCa_ChainNotToCa()
    {
        using var leaf = TestPki.CreateLeaf(pki.OtherRoot, "leaf", new LeafSpec { DnsNames = ["api.example.com"] });
        var (cert, key) = Write(TestPki.ChainPem(leaf), TestPki.KeyPem(leaf));
        var ca = Ca(pki.Root);

        var finding = Assert.Single(CertificateChecker.Check(cert, key, ca, Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.ChainNotToCa, finding.Kind);
        Assert.Equal(
            $"certificate file '{cert}': the chain does not lead to the CA file '{ca}': no certificate for issuer 'CN=Another CA, O=FastProxy Tests' of 'CN=leaf, O=FastProxy Tests' in the certificate file or the CA file '{ca}' (if it is an intermediate of that CA, add it to the certificate file after the leaf)",
            finding.Message);
    }

    [Fact]
    public void Check_FileEndsAtAnotherRoot_ChainNotToCaNamingThatRoot()
    {
        using var leaf = TestPki.CreateLeaf(pki.OtherRoot, "leaf", new LeafSpec { DnsNames = ["api.example.com"] });
        var (cert, key) = Write(TestPki.ChainPem(leaf, pki.OtherRoot), TestPki.KeyPem(leaf));
        var ca = Ca(pki.Root);

        var finding = Assert.Single(CertificateChecker.Check(cert, key, ca, Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.ChainNotToCa, finding.Kind);
        Assert.Equal($"certificate file '{cert}': the chain ends at 'CN=Another CA, O=FastProxy Tests', which is not in the CA file '{ca}'", finding.Message);
    }

    [Fact]
    public void Check_IntermediateOnlyInCaFile_MissingIntermediate()
    {
        using var leaf = Leaf(new LeafSpec { DnsNames = ["api.example.com"] });
        var (cert, key) = Write(TestPki.ChainPem(leaf), TestPki.KeyPem(leaf));
        var ca = _dir.Write("ca.pem", TestPki.ChainPem(pki.Root, pki.Intermediate));

        var finding = Assert.Single(CertificateChecker.Check(cert, key, ca, Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.MissingIntermediate, finding.Kind);
        Assert.StartsWith($"certificate file '{cert}': intermediate 'CN=FastProxy Test Intermediate, O=FastProxy Tests' is missing", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_LeafWithoutSan_NoSubjectAlternativeName()
    {
        using var leaf = Leaf(new LeafSpec { WithoutSan = true });
        var (cert, key) = Write(TestPki.ChainPem(leaf, pki.Intermediate), TestPki.KeyPem(leaf));

        var finding = Assert.Single(CertificateChecker.Check(cert, key, Ca(pki.Root), Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.NoSubjectAlternativeName, finding.Kind);
    }

    [Fact]
    public void Check_MissingCertificateFile_UnreadableOnly()
    {
        var cert = _dir.PathOf("none.pem");

        var finding = Assert.Single(CertificateChecker.Check(cert, _dir.PathOf("none.key"), null, Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.Unreadable, finding.Kind);
        Assert.Equal($"certificate file '{cert}': file not found", finding.Message);
    }

    [Fact]
    public void Check_MissingCaFile_Unreadable()
    {
        using var leaf = Leaf(new LeafSpec { DnsNames = ["api.example.com"] });
        var (cert, key) = Write(TestPki.ChainPem(leaf, pki.Intermediate), TestPki.KeyPem(leaf));
        var ca = _dir.PathOf("none-ca.pem");

        var finding = Assert.Single(CertificateChecker.Check(cert, key, ca, Month, TimeProvider.System));

        Assert.Equal(CertificateFindingKind.Unreadable, finding.Kind);
        Assert.Equal($"CA file '{ca}': file not found", finding.Message);
    }

    [Fact]
    public void Check_SeveralProblems_AllReported()
    {
        using var leaf = TestPki.CreateLeaf(pki.OtherRoot, "leaf", new LeafSpec { WithoutSan = true, NotBefore = TimeSpan.FromDays(-30), NotAfter = TimeSpan.FromDays(-2) });
        using var other = Leaf(new LeafSpec());
        var (cert, key) = Write(TestPki.ChainPem(leaf), TestPki.KeyPem(other));

        var kinds = CertificateChecker.Check(cert, key, Ca(pki.Root), Month, TimeProvider.System).Select(f => f.Kind);

        Assert.Equal(
            [CertificateFindingKind.KeyMismatch, CertificateFindingKind.Expired, CertificateFindingKind.NoSubjectAlternativeName, CertificateFindingKind.ChainNotToCa],
            kinds);
    }

    private X509Certificate2 Leaf(LeafSpec spec) => TestPki.CreateLeaf(pki.Intermediate, "leaf", spec);

    private string Ca(X509Certificate2 root) => _dir.Write("ca.pem", TestPki.ChainPem(root));

    private (string Cert, string Key) Write(string chainPem, string keyPem) =>
        (_dir.Write("server.pem", chainPem), _dir.Write("server.key", keyPem));
}
