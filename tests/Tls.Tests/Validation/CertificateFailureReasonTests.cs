using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FastProxy.Tls.Validation;

namespace FastProxy.Tls.Tests.Validation;

public sealed class CertificateFailureReasonTests(PkiFixture pki) : IClassFixture<PkiFixture>
{
    [Fact]
    public void Describe_NoErrors_Null()
    {
        Assert.Null(CertificateFailureReason.Describe(null, null, SslPolicyErrors.None));
    }

    [Fact]
    public void Describe_NotAvailable_NoCertificatePresented()
    {
        Assert.Equal("no certificate presented", CertificateFailureReason.Describe(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void Describe_ChainAndNameErrors_BothInOneSentence()
    {
        using var leaf = TestPki.CreateLeaf(pki.OtherRoot, "upstream", new LeafSpec { DnsNames = ["a.internal"] });
        using var chain = BuildTrustingRoot(leaf);

        var reason = CertificateFailureReason.Describe(leaf, chain, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch, "b.internal");

        Assert.Equal(
            "unknown CA: no trusted issuer 'CN=Another CA, O=FastProxy Tests' found for 'CN=upstream, O=FastProxy Tests'; name mismatch: certificate 'CN=upstream, O=FastProxy Tests' is not valid for 'b.internal'",
            reason);
    }

    [Fact]
    public void DescribeChain_VerifiedAfterExpiry_NamesFirstExpiredFromTheLeaf()
    {
        using var leaf = TestPki.CreateLeaf(pki.Intermediate, "leaf", new LeafSpec());
        using var chain = BuildTrustingRoot(leaf, pki.Intermediate);
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.VerificationTime = pki.Intermediate.NotAfter.AddDays(1);
        chain.Build(leaf);

        var reason = CertificateFailureReason.DescribeChain(leaf, chain, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(pki.Intermediate.NotAfter.ToUniversalTime()).AddDays(1)));

        Assert.StartsWith("certificate expired: 'CN=leaf, O=FastProxy Tests' expired at ", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeChain_NotYetValidLeaf_SaysValidFrom()
    {
        using var leaf = TestPki.CreateLeaf(pki.Root, "future", new LeafSpec { NotBefore = TimeSpan.FromDays(5), NotAfter = TimeSpan.FromDays(50) });
        using var chain = BuildTrustingRoot(leaf);

        var reason = CertificateFailureReason.DescribeChain(leaf, chain);

        Assert.StartsWith("certificate not yet valid: 'CN=future, O=FastProxy Tests' is valid from ", reason, StringComparison.Ordinal);
    }

    private X509Chain BuildTrustingRoot(X509Certificate2 leaf, params X509Certificate2[] extra)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pki.Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ExtraStore.AddRange(extra);
        chain.Build(leaf);
        return chain;
    }
}
