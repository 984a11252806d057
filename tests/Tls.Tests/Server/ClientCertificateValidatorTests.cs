using System.Net.Security;
using FastProxy.Tls.Server;

namespace FastProxy.Tls.Tests.Server;

public sealed class ClientCertificateValidatorTests(PkiFixture pki) : IClassFixture<PkiFixture>
{
    [Theory]
    [InlineData(ClientCertificateMode.Required, "no client certificate presented (client_certificate: required)")]
    [InlineData(ClientCertificateMode.Optional, null)]
    public void Check_NoCertificate_DependsOnMode(ClientCertificateMode mode, string? expected)
    {
        var validator = new ClientCertificateValidator(mode, new ListLogger(), TimeProvider.System);

        Assert.Equal(expected, validator.Check(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void Check_ChainFineButNoClientAuthUsage_Refused()
    {
        // SslStream's chain build already checks the usage; this is the second line of defence.
        var validator = new ClientCertificateValidator(ClientCertificateMode.Required, new ListLogger(), TimeProvider.System);
        using var certificate = TestPki.CreateLeaf(pki.Root, "server only", new LeafSpec { ClientAuth = false });

        var reason = validator.Check(certificate, null, SslPolicyErrors.None);

        Assert.Equal("certificate 'CN=server only, O=FastProxy Tests' is not valid for client authentication (extended key usage lacks clientAuth)", reason);
    }

    [Fact]
    public void Check_NameMismatchOnly_Accepted()
    {
        // A client claims no host name; SslStream's name check means nothing on the server side.
        var validator = new ClientCertificateValidator(ClientCertificateMode.Required, new ListLogger(), TimeProvider.System);
        using var certificate = TestPki.CreateLeaf(pki.Root, "client", new LeafSpec());

        Assert.Null(validator.Check(certificate, null, SslPolicyErrors.RemoteCertificateNameMismatch));
    }

    [Fact]
    public void Validate_Refusal_LogsTheReason()
    {
        var logger = new ListLogger();
        var validator = new ClientCertificateValidator(ClientCertificateMode.Required, logger, TimeProvider.System);

        Assert.False(validator.Validate(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
        Assert.Equal(["TLS client certificate rejected: no client certificate presented (client_certificate: required)"], logger.Messages);
    }
}
