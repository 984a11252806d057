namespace FastProxy.Http.Http2;

/// <summary>
/// Frame flag bits (RFC 9113 §6). The same bit means different things per frame type, so these are plain constants
/// rather than a [Flags] enum: 0x1 is END_STREAM on DATA/HEADERS and ACK on SETTINGS/PING.
/// </summary>
public static class Http2FrameFlags
{
    public const byte None = 0x0;

    /// <summary>DATA, HEADERS: the last frame the sender sends on the stream (§6.1, §6.2).</summary>
    public const byte EndStream = 0x1;

    /// <summary>SETTINGS, PING: this frame acknowledges the peer's (§6.5, §6.7).</summary>
    public const byte Ack = 0x1;

    /// <summary>HEADERS, PUSH_PROMISE, CONTINUATION: the field block ends in this frame (§6.2, §6.10).</summary>
    public const byte EndHeaders = 0x4;

    /// <summary>DATA, HEADERS, PUSH_PROMISE: an 8-bit Pad Length leads the payload (§6.1).</summary>
    public const byte Padded = 0x8;

    /// <summary>HEADERS: Exclusive, Stream Dependency and Weight follow the Pad Length (§6.2).</summary>
    public const byte Priority = 0x20;
}
