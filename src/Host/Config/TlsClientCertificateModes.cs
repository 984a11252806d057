namespace FastProxy.Host.Config;

/// <summary>The values of a listener's `tls.client_certificate`.</summary>
public static class TlsClientCertificateModes
{
    public const string None = "none";
    public const string Optional = "optional";
    public const string Required = "required";
}
