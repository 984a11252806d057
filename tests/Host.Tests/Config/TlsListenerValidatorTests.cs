namespace FastProxy.Host.Tests.Config;

public class TlsListenerValidatorTests
{
    private const string Rest = "clusters:\n  app: { endpoints: [127.0.0.1:9001] }\n";

    private static string Listener(string tls) => "listeners:\n  - address: 0.0.0.0:8443\n    tls: " + tls + "\n" + Rest;

    [Fact]
    public void Validate_CertificateAndKey_NoErrors()
    {
        Assert.Empty(ConfigSamples.Errors(Listener("{ certificate: a.pem, key: a.key }")));
    }

    [Fact]
    public void Validate_EveryOption_NoErrors()
    {
        var tls = "{ certificate: a.pem, key: a.key, sni: [ { certificate: b.pem, key: b.key, names: [b.test, '*.w.test'] }, { certificate: c.pem, key: c.key } ],"
            + " client_certificate: required, client_ca: ca.pem, revocation: online, handshake_timeout_seconds: 2.5 }";

        Assert.Empty(ConfigSamples.Errors(Listener(tls)));
    }

    [Fact]
    public void Validate_NoKey_ErrorNamesKey()
    {
        var error = ConfigSamples.Single(Listener("{ certificate: a.pem }"));

        Assert.Equal("listeners[0].tls.key", error.Path);
        Assert.Contains("private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoCertificate_ErrorNamesCertificate()
    {
        var error = ConfigSamples.Single(Listener("{ key: a.key }"));

        Assert.Equal("listeners[0].tls.certificate", error.Path);
    }

    [Fact]
    public void Validate_SniEntryWithoutKey_ErrorAtEntry()
    {
        var error = ConfigSamples.Single(Listener("{ certificate: a.pem, key: a.key, sni: [ { certificate: b.pem } ] }"));

        Assert.Equal("listeners[0].tls.sni[0].key", error.Path);
    }

    [Theory]
    [InlineData("a..test")]
    [InlineData("*.")]
    [InlineData("a_b.test")]
    [InlineData("x.*.test")]
    public void Validate_SniBadName_ErrorAtName(string name)
    {
        var error = ConfigSamples.Single(Listener($"{{ certificate: a.pem, key: a.key, sni: [ {{ certificate: b.pem, key: b.key, names: ['{name}'] }} ] }}"));

        Assert.Equal("listeners[0].tls.sni[0].names[0]", error.Path);
        Assert.Contains("not a host name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("required")]
    [InlineData("optional")]
    public void Validate_ClientCertificateWithoutCa_ErrorAtClientCa(string mode)
    {
        var error = ConfigSamples.Single(Listener($"{{ certificate: a.pem, key: a.key, client_certificate: {mode} }}"));

        Assert.Equal("listeners[0].tls.client_ca", error.Path);
        Assert.Contains("needs client_ca", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ClientCaWithoutMode_Error()
    {
        var error = ConfigSamples.Single(Listener("{ certificate: a.pem, key: a.key, client_ca: ca.pem }"));

        Assert.Equal("listeners[0].tls.client_ca", error.Path);
        Assert.Contains("client_certificate is 'none'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownClientCertificateMode_Error()
    {
        var error = ConfigSamples.Single(Listener("{ certificate: a.pem, key: a.key, client_certificate: maybe, client_ca: ca.pem }"));

        Assert.Equal("listeners[0].tls.client_certificate", error.Path);
        Assert.Contains("expected none, optional or required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownRevocation_Error()
    {
        var error = ConfigSamples.Single(Listener("{ certificate: a.pem, key: a.key, revocation: crl.pem }"));

        Assert.Equal("listeners[0].tls.revocation", error.Path);
        Assert.Contains("no_check, online or offline", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("100000")]
    public void Validate_BadHandshakeTimeout_Error(string seconds)
    {
        var error = ConfigSamples.Single(Listener($"{{ certificate: a.pem, key: a.key, handshake_timeout_seconds: {seconds} }}"));

        Assert.Equal("listeners[0].tls.handshake_timeout_seconds", error.Path);
    }

    [Fact]
    public void Validate_UnknownTlsKey_Error()
    {
        var errors = ConfigSamples.Errors(Listener("{ certificate: a.pem, key: a.key, ciphers: all }"));

        Assert.NotEmpty(errors);
    }
}
