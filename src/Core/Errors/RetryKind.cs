namespace FastProxy.Core.Errors;

/// <summary>Whether a failed upstream exchange may be tried again on another connection.</summary>
public enum RetryKind : byte
{
    No,
    Yes,

    /// <summary>Only when the failed connection was a reused (pooled) one that may have been closed by the peer.</summary>
    OnlyIfReused,
}
