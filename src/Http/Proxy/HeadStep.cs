namespace FastProxy.Http.Proxy;

/// <summary>What one read did for the request head being received.</summary>
internal enum HeadStep
{
    /// <summary>Incomplete: read again.</summary>
    NeedMore,

    /// <summary>A whole head was parsed.</summary>
    Complete,

    /// <summary>Close without answering (idle timeout, client gone, shutdown).</summary>
    Close,

    /// <summary>Answer with an error status, then close.</summary>
    Error,

    /// <summary>The connection opened with the HTTP/2 preface (prior knowledge): hand it to the HTTP/2 handler.</summary>
    SwitchToHttp2,
}
