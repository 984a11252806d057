namespace FastProxy.Http.Forwarding;

/// <summary>How reading an upstream's HTTP/1.1 response head ended, for every protocol adapter that reads one.</summary>
internal enum ResponseHeadOutcome : byte
{
    /// <summary>The head is not complete yet: read again.</summary>
    NeedMore,
    Complete,
    Invalid,
    TimedOut,

    /// <summary>Closed after sending part of a head.</summary>
    Closed,

    /// <summary>Closed (or reset) before sending a single byte: a stale pooled connection.</summary>
    ClosedEarly,
}
