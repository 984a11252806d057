namespace FastProxy.Http.Forwarding;

/// <summary>How copying one message body ended, blaming a side for every failure.</summary>
internal enum BodyCopyResult : byte
{
    Complete,

    /// <summary>The client closed, reset or stalled past the idle timeout.</summary>
    ClientFailed,

    /// <summary>The upstream closed, reset, stalled or sent a truncated body.</summary>
    UpstreamFailed,

    /// <summary>The body's chunked framing was invalid.</summary>
    InvalidFraming,

    /// <summary>The request body passed the configured maximum.</summary>
    TooLarge,

    /// <summary>The proxy stopped the copy itself (the response was complete first).</summary>
    Canceled,
}
