namespace FastProxy.Host.Config;

/// <summary>The values of a listener's `tls.revocation`.</summary>
public static class TlsRevocationModes
{
    public const string NoCheck = "no_check";
    public const string Online = "online";
    public const string Offline = "offline";
}
