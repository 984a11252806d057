namespace FastProxy.Host.Config;

/// <summary>The protocol names a listener may give.</summary>
public static class ListenerProtocols
{
    public const string Http1 = "http1";

    /// <summary>Reserved: HTTP/2 with prior knowledge.</summary>
    public const string H2c = "h2c";

    /// <summary>Reserved: sniff HTTP/1.1 or HTTP/2 prior knowledge from the first bytes.</summary>
    public const string Auto = "auto";
}
