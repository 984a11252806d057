namespace FastProxy.Host.Config;

/// <summary>The values of a cluster's `tls.min_version` (RFC 8996 retired TLS 1.0 and 1.1).</summary>
public static class TlsVersions
{
    public const string Tls12 = "1.2";
    public const string Tls13 = "1.3";
}
