namespace FastProxy.Core.Errors;

/// <summary>Which side a failure is blamed on (Pingora's ErrorSource).</summary>
public enum ProxyErrorSource : byte
{
    Downstream,
    Upstream,
    Policy,
    Internal,
}
